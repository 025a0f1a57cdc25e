import { Gauge, type Registry } from 'prom-client';
import { AGENT_ROLES } from '../domain/agent-roles.js';
import { METRICS } from '../domain/metric-names.js';
import type { Db } from './db.js';
import { pendingApprovals } from './governance.js';

/** Prompt updates waiting for a human, per agent role (0 for roles with none), read when scraped. */
export function registerGovernanceGauges(registry: Registry, db: Db): void {
  new Gauge({
    name: METRICS.promptApprovalsPending,
    help: 'Prompt updates waiting for human approval, by agent role',
    labelNames: ['role'] as const,
    registers: [registry],
    async collect() {
      const pending = new Map((await pendingApprovals(db)).map((p) => [p.agentRole, p.pending]));
      for (const role of AGENT_ROLES) this.set({ role }, pending.get(role) ?? 0);
    },
  });
}
