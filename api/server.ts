import { loadConfig } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { runMain } from '../lib/main.js';
import { createMetrics } from '../lib/metrics.js';
import { connectClient } from '../lib/temporal-connection.js';
import { buildApp } from './app.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = createDb(config, (err) => logger.warn({ err }, 'postgres connection error'));
  const temporal = await connectClient(config);
  const app = await buildApp({ config, db, temporal, metrics: createMetrics('api'), logger });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await temporal.connection.close();
    await db.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
});
