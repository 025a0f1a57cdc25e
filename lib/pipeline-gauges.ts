import { Gauge, type Registry } from 'prom-client';
import { METRICS } from '../domain/metric-names.js';
import { ACTIVE_TASK_STATUSES } from '../domain/task-status.js';
import { countOpenDeadLetters } from './dead-letter-store.js';
import type { Db } from './db.js';
import { countUnresolvedEscalations } from './escalation-store.js';

/** Tasks per active status over every tenant (0 for a status with none). */
async function activeTasksByStatus(db: Db): Promise<Map<string, number>> {
  const { rows } = await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM tasks WHERE status = ANY($1) GROUP BY status', [ACTIVE_TASK_STATUSES]);
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * The task pipeline's backlog gauges, read from Postgres when scraped, so
 * every process that registers them reports the same totals (alerts and
 * autoscaling take the max over instances).
 */
export function registerPipelineGauges(registry: Registry, db: Db): void {
  new Gauge({
    name: METRICS.dlqMessageCount,
    help: 'Dead letters waiting for a re-drive or a discard',
    registers: [registry],
    async collect() {
      this.set(await countOpenDeadLetters(db));
    },
  });
  new Gauge({
    name: METRICS.escalationsUnresolved,
    help: 'Escalations waiting for a decision (open or awaiting a human)',
    registers: [registry],
    async collect() {
      this.set(await countUnresolvedEscalations(db));
    },
  });
  new Gauge({
    name: METRICS.tasksActive,
    help: 'Tasks whose workflow is working on them, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await activeTasksByStatus(db);
      for (const status of ACTIVE_TASK_STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
}
