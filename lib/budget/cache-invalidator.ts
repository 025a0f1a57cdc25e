import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

const CHANNEL = 'golden_budget_changed';
const RECONNECT_MS = 2_000;

/**
 * Drops a tenant's cached figures whenever its limit or period changes in
 * Postgres — including an operator's UPDATE from psql, which the table's
 * trigger announces with NOTIFY. The cache's short TTL covers the moments
 * this listener is reconnecting.
 */
export function startBudgetCacheInvalidator(
  config: Pick<Config, 'DATABASE_URL'>,
  drop: (tenantId: string) => Promise<void>,
  logger: Pick<Logger, 'warn'>,
): { stop(): Promise<void> } {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString: config.DATABASE_URL });
    c.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) void drop(msg.payload);
    });
    c.on('error', (err) => {
      logger.warn({ err }, 'budget cache invalidator lost its connection; reconnecting');
      c.end().catch(() => {});
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      if (stopped) await c.end();
      else client = c;
    } catch (err) {
      logger.warn({ err }, 'budget cache invalidator could not connect; retrying');
      c.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    client = undefined;
    if (!stopped && !timer) timer = setTimeout(() => ((timer = undefined), void connect()), RECONNECT_MS);
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
