import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../api/app.js';
import type { UserRole } from '../../domain/roles.js';
import { BudgetController } from '../../lib/budget/controller.js';
import type { Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { createMetrics } from '../../lib/metrics.js';
import { createRedis } from '../../lib/redis.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { signToken } from '../../lib/tokens.js';
import { uniqueId } from '../support/services.js';

export interface LoggedApi {
  app: FastifyInstance;
  db: Db;
  token(role: UserRole, tenant: string, sub?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real API on real Postgres, Redis and Temporal, logging at info level
 * into a file: a fuzzing run sends thousands of requests, and the one that
 * failed is found in that log by the request id its answer carries.
 */
export async function createLoggedApi(config: Config, logFile: string): Promise<LoggedApi> {
  const db = createDb(config);
  const redis = createRedis(config);
  const metrics = createMetrics('fuzz-api');
  const budget = new BudgetController({ db, redis, config, metrics });
  const temporal: Client = await connectClient(config);
  const destination = pino.destination({ dest: logFile, sync: false, mkdir: true });
  const logger = pino({ level: 'info', base: { service: 'fuzz-api' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  const app = await buildApp({ config, db, temporal, metrics, logger, budget, redis, rateLimitKeyPrefix: `golden:test:${uniqueId('rl')}:` });
  return {
    app,
    db,
    token: (role, tenant, sub = `${role}-user`) => signToken(config, { sub, tenant, role }, 1800),
    async close() {
      await app.close();
      await temporal.connection.close();
      redis.disconnect();
      await db.end();
      destination.flushSync();
      destination.end();
    },
  };
}
