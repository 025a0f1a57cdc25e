import type { Client } from '@temporalio/client';
import type { BudgetController } from '../lib/budget/controller.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Redis } from '../lib/redis.js';

/** Everything the routes use, built once by the server (or a test) and passed in. */
export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  metrics: Metrics;
  logger: Logger;
  budget: BudgetController;
  /** Rate-limit counters live here. */
  redis: Redis;
  /** Prefix of rate-limit keys; tests use their own so runs sharing one Redis do not count each other. */
  rateLimitKeyPrefix?: string;
}
