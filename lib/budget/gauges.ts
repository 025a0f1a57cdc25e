import { Gauge, type Registry } from 'prom-client';
import { METRICS } from '../../domain/metric-names.js';
import type { Db } from '../db.js';
import { latestReconciliation, ledgerAllStatuses } from './ledger.js';

/**
 * Gauges read from Postgres when scraped, so every process (API, any worker)
 * exports the same figures, whichever worker ran the reconciliation.
 */
export function registerBudgetGauges(registry: Registry, db: Db): void {
  new Gauge({
    name: METRICS.budgetRemaining,
    help: 'Tokens a tenant has left in its current period (limit - reserved - committed)',
    labelNames: ['tenant'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await ledgerAllStatuses(db)) this.set({ tenant: s.tenantId }, s.remaining);
    },
  });
  new Gauge({
    name: METRICS.budgetConsistencyViolations,
    help: 'Counters that disagreed with the ledger at the last reconciliation (should be 0)',
    registers: [registry],
    async collect() {
      this.set((await latestReconciliation(db))?.violations ?? 0);
    },
  });
}
