import { existsSync, rmSync } from 'node:fs';
import { CliError } from '../cli-error.js';
import { runCommand } from '../stack/exec.js';

export const TEMPORAL_COPY = 'temporal.db';

const quoted = (path: string): string => `'${path.replace(/'/g, "''")}'`;

/**
 * SQLite's online backup: a consistent copy while the dev server keeps
 * writing, which a plain file copy (mid-transaction, WAL not merged) is not.
 */
export async function copyTemporalDb(dbFile: string, target: string): Promise<void> {
  if (!existsSync(dbFile)) throw new CliError(`the Temporal database ${dbFile} does not exist; is the stack up?`);
  const res = await runCommand('sqlite3', [dbFile, `.backup ${quoted(target)}`], { timeoutMs: 10 * 60_000 });
  if (res.code === 127) throw new CliError('sqlite3 is not installed; run `golden stack up` (it installs it) or `apt-get install sqlite3`');
  if (res.code !== 0 || res.stderr.trim() !== '') throw new CliError(`sqlite3 .backup of ${dbFile} failed (exit ${res.code}): ${res.stderr.trim()}`);
}

/** Puts the copy in place of the server's file; journals of the old file would be replayed into it, so they go. */
export async function placeTemporalDb(copy: string, dbFile: string): Promise<void> {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${dbFile}${suffix}`, { force: true });
  rmSync(dbFile, { force: true });
  await copyTemporalDb(copy, dbFile);
}
