import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CliError } from '../cli-error.js';
import type { StackPaths } from '../stack/paths.js';
import { StackStateStore } from '../stack/state.js';
import { BACKUP_DIR_PATTERN, describeFile, filesUnder, MANIFEST_FILE, readManifest, type BackupManifest } from './manifest.js';
import { dumpPostgres, POSTGRES_DUMP } from './postgres.js';
import { AOF_DIR, copyRedisData } from './redis.js';
import { copyTemporalDb, TEMPORAL_COPY } from './temporal.js';

/** The stack's ports and secrets: the payload key is needed to read the restored workflow histories. */
export const STACK_STATE_COPY = 'stack.json';

/** The nearest existing ancestor's real path plus the rest, so a symlinked target cannot hide inside the data dir. */
function realish(path: string): string {
  let dir = resolve(path);
  const rest: string[] = [];
  while (!existsSync(dir) && dirname(dir) !== dir) {
    rest.unshift(dir.slice(dirname(dir).length + 1));
    dir = dirname(dir);
  }
  return join(realpathSync(dir), ...rest);
}

export function assertTargetOutsideData(target: string, paths: StackPaths): void {
  const t = realish(target);
  const data = realish(paths.dataDir);
  if (t === data || t.startsWith(`${data}${sep}`)) {
    throw new CliError(`BACKUP_TARGET ${target} is inside the stack's data dir ${paths.dataDir}; a backup must survive losing that directory (and \`stack down --purge\` deletes it): choose a directory outside it`);
  }
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('.', '');

export interface BackupResult {
  dir: string;
  manifest: BackupManifest;
  removed: string[];
}

/**
 * Postgres (pg_dump), Temporal's SQLite file (online backup) and Redis's AOF
 * into <target>/golden-<timestamp>, written under a .partial name and renamed
 * when complete, so a listed backup is always whole; then only the newest
 * `retention` backups are kept.
 */
export async function createBackup(paths: StackPaths, target: string, retention: number, log: (line: string) => void): Promise<BackupResult> {
  assertTargetOutsideData(target, paths);
  const state = StackStateStore.peek(paths);
  if (!state) throw new CliError(`no stack in ${paths.dataDir} (no valid ${paths.stateFile}); nothing to back up`);
  const started = new Date();
  const name = `golden-${stamp(started)}`;
  const dir = join(resolve(target), name);
  const work = `${dir}.partial`;
  mkdirSync(resolve(target), { recursive: true, mode: 0o700 });
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { mode: 0o700 });
  try {
    const t0 = Date.now();
    await dumpPostgres(state, join(work, POSTGRES_DUMP));
    log(`postgres: pg_dump in ${Date.now() - t0} ms`);
    const t1 = Date.now();
    await copyTemporalDb(paths.temporal.dbFile, join(work, TEMPORAL_COPY));
    log(`temporal: sqlite backup in ${Date.now() - t1} ms`);
    const t2 = Date.now();
    await copyRedisData(state, paths.redis.dir, work);
    log(`redis: AOF rewritten and copied in ${Date.now() - t2} ms`);
    copyFileSync(paths.stateFile, join(work, STACK_STATE_COPY));
    chmodSync(join(work, STACK_STATE_COPY), 0o600);

    const files = [
      await describeFile(work, POSTGRES_DUMP, 'postgres'),
      await describeFile(work, TEMPORAL_COPY, 'temporal'),
      ...(await Promise.all(filesUnder(work, join(work, AOF_DIR)).map((p) => describeFile(work, p, 'redis')))),
      await describeFile(work, STACK_STATE_COPY, 'stack'),
    ];
    const manifest: BackupManifest = { version: 1, createdAt: started.toISOString(), sourceDataDir: paths.dataDir, durationMs: Date.now() - started.getTime(), files };
    writeFileSync(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    renameSync(work, dir);
    return { dir, manifest, removed: pruneBackups(target, retention) };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

export interface ListedBackup {
  dir: string;
  manifest: BackupManifest;
}

/** Complete backups under target, newest first. */
export function listBackups(target: string): ListedBackup[] {
  if (!existsSync(target)) return [];
  return readdirSync(target)
    .filter((n) => BACKUP_DIR_PATTERN.test(n) && existsSync(join(target, n, MANIFEST_FILE)))
    .sort()
    .reverse()
    .map((n) => ({ dir: join(resolve(target), n), manifest: readManifest(join(target, n)) }));
}

/** Deletes all but the newest `keep` backups; returns what went. */
export function pruneBackups(target: string, keep: number): string[] {
  const old = listBackups(target).slice(keep).map((b) => b.dir);
  for (const dir of old) rmSync(dir, { recursive: true, force: true });
  return old.map((d) => relative(resolve(target), d));
}
