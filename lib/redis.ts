import { Redis } from 'ioredis';
import type { Config } from './config.js';

export type { Redis };

export function createRedis(config: Pick<Config, 'REDIS_URL'>, onError?: (err: Error) => void): Redis {
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: false,
    maxRetriesPerRequest: 3,
    enableReadyCheck: true,
    // Auto-pipelining batches the commands of concurrent callers into one write: fewer syscalls under load.
    enableAutoPipelining: true,
    // Every caller has a fallback (the budget ledger decides alone): a stalled Redis must not stall them.
    commandTimeout: 1_000,
  });
  // ioredis reconnects by itself; without a listener an outage would crash the process.
  redis.on('error', (err) => onError?.(err));
  return redis;
}
