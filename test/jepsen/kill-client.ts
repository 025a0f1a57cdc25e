/**
 * A budget client in its own process, to be SIGKILLed mid-call by the
 * Jepsen suite: it runs one reserve and, at the named phase of the
 * idempotency protocol (`locked`: Redis marker taken, Postgres untouched;
 * `ledger-done`: Postgres committed, Redis never told), prints a marker line
 * and waits for its death. Argument: one JSON object (KillOrder).
 */
import { BudgetController } from '../../lib/budget/controller.js';
import { loadConfigSubset } from '../../lib/config.js';
import { createDb } from '../../lib/db.js';
import { createRedis } from '../../lib/redis.js';
import { budgetConfig, PHASE_MARKER, type KillOrder } from './clients.js';

async function main(): Promise<void> {
  const order = JSON.parse(process.argv[2] ?? '') as KillOrder;
  // Never outlive a parent that failed to kill us.
  setTimeout(() => process.exit(3), 60_000);
  const config = loadConfigSubset(['DATABASE_URL', 'REDIS_URL']);
  const db = createDb({ DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: 1 });
  const redis = createRedis(config);
  const controller = new BudgetController({
    db,
    redis,
    config: budgetConfig({ inflightMs: order.inflightMs, reservationTtlSeconds: 900 }),
    onPhase: async (phase, key) => {
      if (phase !== order.phase) return;
      process.stdout.write(`${PHASE_MARKER} ${phase} ${key}\n`);
      await new Promise(() => undefined);
    },
  });
  await controller.reserve({ requestId: order.requestId, tenantId: order.tenantId, amount: order.amount });
  // Reaching here means the phase never came.
  process.stdout.write('JEPSEN-FINISHED without reaching the phase\n');
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`kill-client failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
