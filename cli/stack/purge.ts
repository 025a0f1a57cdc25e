import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Log } from './component.js';
import { runCommand } from './exec.js';
import type { StackPaths } from './paths.js';

/** Mount points under dir, deepest first; /proc/self/mounts escapes spaces as \040. */
function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8))))
    .filter((mount) => mount.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Deletes the data dir, the short socket dir and Postgres's outside dir. A dockerd that was killed
 * can leave overlay and netns mounts behind, which would make rm fail with
 * EBUSY, so those are unmounted first.
 */
export async function purgeData(paths: StackPaths, log: Log): Promise<void> {
  for (const dir of [paths.dataDir, paths.shortDir, paths.outsideDir]) {
    if (!existsSync(dir)) continue;
    for (const mount of mountsUnder(dir)) {
      const res = await runCommand('umount', ['-l', mount], { timeoutMs: 10_000 });
      log(res.code === 0 ? `purge: unmounted ${mount}` : `purge: cannot unmount ${mount}: ${res.stderr.trim()}`);
    }
    const entries = readdirSync(dir);
    log(`purge: deleting ${dir}${entries.length > 0 ? ` (${entries.sort().join(', ')})` : ''}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
