import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CliError } from '../cli-error.js';
import type { StackState } from '../stack/state.js';

/** Redis 7 keeps its append-only data as a directory: a base file, increments and a manifest. */
export const AOF_DIR = 'appendonlydir';

function info(text: string, key: string): string | undefined {
  return new RegExp(`^${key}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/**
 * Rewrites the AOF (a compact base file) and waits for it, so the copy is a
 * base plus at most a second of increments (appendfsync everysec), which
 * Redis loads, truncating a torn last command.
 */
export async function copyRedisData(state: StackState, redisDir: string, target: string, timeoutMs = 5 * 60_000): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: state.ports.redis, password: state.secrets.redisPassword, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.bgrewriteaof().catch((err: Error) => {
      // One already running (or scheduled behind a save) serves as well.
      if (!/already in progress|scheduled/i.test(err.message)) throw err;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await redis.info('persistence');
      if (info(text, 'aof_rewrite_in_progress') === '0' && info(text, 'aof_rewrite_scheduled') === '0') {
        if (info(text, 'aof_last_bgrewrite_status') !== 'ok') throw new CliError('redis: the AOF rewrite failed; see the redis log');
        break;
      }
      if (Date.now() > deadline) throw new CliError(`redis: the AOF rewrite did not finish within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  } finally {
    redis.disconnect();
  }
  const source = join(redisDir, AOF_DIR);
  if (!existsSync(source)) throw new CliError(`redis: ${source} does not exist; is Redis running with --appendonly yes?`);
  cpSync(source, join(target, AOF_DIR), { recursive: true });
}

/** Replaces Redis's data (Redis stopped): the AOF wins over dump.rdb, which goes so it cannot be mistaken for current. */
export function placeRedisData(backupDir: string, redisDir: string): void {
  mkdirSync(redisDir, { recursive: true, mode: 0o700 });
  rmSync(join(redisDir, AOF_DIR), { recursive: true, force: true });
  rmSync(join(redisDir, 'dump.rdb'), { force: true });
  cpSync(join(backupDir, AOF_DIR), join(redisDir, AOF_DIR), { recursive: true });
}
