import pg from 'pg';
import type { Config } from './config.js';

export type Db = pg.Pool;

/** A pool whose idle-client errors are logged instead of crashing the process (Postgres restarts happen). */
export function createDb(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>, onError?: (err: Error) => void): Db {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => onError?.(err));
  return pool;
}
