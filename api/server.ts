import { BudgetController } from '../lib/budget/controller.js';
import { startBudgetCacheInvalidator } from '../lib/budget/cache-invalidator.js';
import { registerBudgetGauges } from '../lib/budget/gauges.js';
import { loadConfig } from '../lib/config.js';
import { startProcessBreakerControl } from '../lib/breaker-control.js';
import { BreakerRegistry, registerBreakerGauge } from '../lib/circuit-breaker.js';
import { createDb } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { runMain } from '../lib/main.js';
import { createMetrics } from '../lib/metrics.js';
import { createRedis } from '../lib/redis.js';
import { connectClient } from '../lib/temporal-connection.js';
import { startTracing } from '../lib/tracing.js';
import { buildApp } from './app.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const tracing = await startTracing(config, 'api');
  const breakers = new BreakerRegistry();
  const db = createDb(config, (err) => logger.warn({ err }, 'postgres connection error'), breakers);
  const redis = createRedis(config, (err) => logger.warn({ err }, 'redis connection error'), breakers);
  const metrics = createMetrics('api');
  registerBreakerGauge(metrics.registry, breakers);
  const breakerControl = await startProcessBreakerControl(config, breakers, 'api', logger);
  registerBudgetGauges(metrics.registry, db);
  const budget = new BudgetController({ db, redis, config, metrics });
  const invalidator = startBudgetCacheInvalidator(config, (tenant) => budget.dropCachedStatus(tenant), logger);
  const temporal = await connectClient(config, { tracer: tracing?.tracer });
  const app = await buildApp({ config, db, temporal, metrics, logger, budget, redis, tracing });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await invalidator.stop();
    await breakerControl.stop();
    await temporal.connection.close();
    redis.disconnect();
    await db.end();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
});
