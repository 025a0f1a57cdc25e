import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { stackDown, stackStatus, stackUp } from '../stack/index.js';
import type { StackPaths } from '../stack/paths.js';
import { StackStateStore } from '../stack/state.js';
import { STACK_STATE_COPY } from './create.js';
import { readManifest, verifyManifest } from './manifest.js';
import { POSTGRES_DUMP, restorePostgres } from './postgres.js';
import { placeRedisData } from './redis.js';
import { placeTemporalDb, TEMPORAL_COPY } from './temporal.js';

export interface RestoreOptions {
  force: boolean;
  servicesOnly: boolean;
  log: (line: string) => void;
}

/**
 * Restores a backup into the stack of `paths`, which must be stopped or new
 * (with force, a running one is stopped first): its ports and secrets, the
 * Temporal and Redis files, then the services start and database golden is
 * replaced by the dump; last the worker and API unless servicesOnly.
 */
export async function restoreBackup(paths: StackPaths, backupDir: string, opts: RestoreOptions): Promise<{ durationMs: number }> {
  const started = Date.now();
  const dir = resolve(backupDir);
  const manifest = readManifest(dir);
  await verifyManifest(dir, manifest);

  const running = (await stackStatus()).components.filter((c) => c.state === 'running' || c.state === 'not answering');
  if (running.length > 0) {
    if (!opts.force) {
      throw new CliError(
        `the stack in ${paths.dataDir} is running (${running.map((c) => c.name).join(', ')}); restoring would overwrite its data. ` +
          'Stop it with `golden stack down`, point GOLDEN_DATA_DIR at a new directory, or pass --force to stop it and overwrite',
      );
    }
    opts.log(`restore: stopping the running stack (${running.map((c) => c.name).join(', ')}) because of --force`);
    await stackDown({ log: opts.log });
  }

  mkdirSync(paths.dataDir, { recursive: true, mode: 0o755 });
  copyFileSync(join(dir, STACK_STATE_COPY), paths.stateFile);
  chmodSync(paths.stateFile, 0o600);
  mkdirSync(paths.temporal.dir, { recursive: true, mode: 0o700 });
  await placeTemporalDb(join(dir, TEMPORAL_COPY), paths.temporal.dbFile);
  placeRedisData(dir, paths.redis.dir);
  opts.log(`restore: Temporal database and Redis data of ${manifest.createdAt} in place`);

  await stackUp({ servicesOnly: true, log: opts.log });
  const state = StackStateStore.peek(paths);
  if (!state) throw new CliError(`restore: ${paths.stateFile} is unreadable after stack up`);
  await restorePostgres(state, join(dir, POSTGRES_DUMP));
  opts.log('restore: database golden replaced by the backup');
  if (!opts.servicesOnly) await stackUp({ log: opts.log });
  return { durationMs: Date.now() - started };
}
