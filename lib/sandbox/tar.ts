import { Buffer } from 'node:buffer';

/** A file for the code archive: root-owned, world-readable, not writable by the sandbox user. */
export interface ArchiveEntry {
  path: string;
  content: string;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, type: '0' | '5', mode: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) throw new Error(`path too long for the code archive: ${name}`);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii'); // uid root
  block.write(octal(0, 8), 116, 8, 'ascii'); // gid root
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(mtime, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii'); // checksum field counts as spaces while summing
  block.write(type, 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/**
 * A ustar archive of the files, with their parent directories, every entry
 * owned by root (uid 0) and mode 0644/0755: extracted into /code by the
 * engine, the sandbox user (65534) can read the code but change nothing.
 * Paths were validated as relative, without "." or ".." segments.
 */
export function codeArchive(entries: readonly ArchiveEntry[], mtimeSeconds: number): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const entry of entries) {
    const segments = entry.path.split('/');
    for (let i = 1; i < segments.length; i += 1) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(header(dir, 0, '5', 0o755, mtimeSeconds));
    }
    const body = Buffer.from(entry.content, 'utf8');
    parts.push(header(entry.path, body.length, '0', 0o644, mtimeSeconds), body);
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
