import pg from 'pg';
import { guardPool, postgresBreakerOptions } from './breaker-guards.js';
import { DEPENDENCY_BREAKERS } from '../domain/circuit-breaker.js';
import type { BreakerRegistry } from './circuit-breaker.js';
import type { Config } from './config.js';

export type Db = pg.Pool;

/**
 * A pool whose idle-client errors are logged instead of crashing the process (Postgres restarts happen).
 * With a breaker registry, every query and connect goes through the `postgres` breaker.
 */
export function createDb(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>, onError?: (err: Error) => void, breakers?: BreakerRegistry): Db {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => onError?.(err));
  return breakers ? guardPool(pool, breakers.get(DEPENDENCY_BREAKERS.postgres, postgresBreakerOptions)) : pool;
}
