import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import type { UserRole } from '../../domain/roles.js';
import { BudgetController } from '../../lib/budget/controller.js';
import type { Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { createRedis, type Redis } from '../../lib/redis.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { signToken } from '../../lib/tokens.js';
import { uniqueId } from './services.js';

export interface TestApi {
  app: FastifyInstance;
  db: Db;
  redis: Redis;
  /** This instance's rate-limit key prefix: its counters are its own. */
  rateLimitKeyPrefix: string;
  temporal: Client;
  budget: BudgetController;
  token(role: UserRole, tenant: string, sub?: string): Promise<string>;
  close(): Promise<void>;
}

/** The real API app on real Postgres and Temporal, for `app.inject` or a loopback listener. */
export async function createTestApi(config: Config): Promise<TestApi> {
  const db = createDb(config);
  const redis = createRedis(config);
  const metrics = createMetrics('test-api');
  const budget = new BudgetController({ db, redis, config, metrics });
  const temporal = await connectClient(config);
  const rateLimitKeyPrefix = `golden:test:${uniqueId('rl')}:`;
  const app = await buildApp({ config, db, temporal, metrics, logger: createLogger('test-api', 'silent'), budget, redis, rateLimitKeyPrefix });
  return {
    app,
    db,
    redis,
    rateLimitKeyPrefix,
    temporal,
    budget,
    token: (role, tenant, sub = `${role}-user`) => signToken(config, { sub, tenant, role }, 600),
    async close() {
      await app.close();
      await temporal.connection.close();
      redis.disconnect();
      await db.end();
    },
  };
}
