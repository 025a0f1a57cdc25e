import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { CliError } from '../cli-error.js';

export const MANIFEST_FILE = 'manifest.json';
/** Backup directories are named golden-<UTC timestamp>, so their names sort by age. */
export const BACKUP_DIR_PATTERN = /^golden-\d{8}T\d{6}(\d{3})?Z$/;

const ManifestSchema = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  sourceDataDir: z.string(),
  durationMs: z.number(),
  files: z.array(z.object({ component: z.enum(['postgres', 'temporal', 'redis', 'stack']), path: z.string(), bytes: z.number(), sha256: z.string() })),
});
export type BackupManifest = z.infer<typeof ManifestSchema>;
export type BackupFile = BackupManifest['files'][number];

export function sha256Of(file: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** Every regular file under dir, relative to root. */
export function filesUnder(root: string, dir: string = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? filesUnder(root, full) : e.isFile() ? [relative(root, full)] : [];
  });
}

export async function describeFile(root: string, path: string, component: BackupFile['component']): Promise<BackupFile> {
  const full = join(root, path);
  return { component, path, bytes: statSync(full).size, sha256: await sha256Of(full) };
}

export function readManifest(dir: string): BackupManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new CliError(`${dir} is not a backup: it has no ${MANIFEST_FILE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${file} is not a backup manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Refuses a backup whose files are missing, resized or altered since it was taken. */
export async function verifyManifest(dir: string, manifest: BackupManifest): Promise<void> {
  for (const f of manifest.files) {
    const full = join(dir, f.path);
    if (!existsSync(full)) throw new CliError(`backup ${dir} is incomplete: ${f.path} is missing`);
    if (statSync(full).size !== f.bytes || (await sha256Of(full)) !== f.sha256) throw new CliError(`backup ${dir} is damaged: ${f.path} does not match its checksum`);
  }
}

export const totalBytes = (m: BackupManifest): number => m.files.reduce((n, f) => n + f.bytes, 0);
