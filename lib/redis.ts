import { Redis } from 'ioredis';
import type { Config } from './config.js';

export type { Redis };

export function createRedis(config: Pick<Config, 'REDIS_URL'>, onError?: (err: Error) => void): Redis {
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 3, enableReadyCheck: true });
  // ioredis reconnects by itself; without a listener an outage would crash the process.
  redis.on('error', (err) => onError?.(err));
  return redis;
}
