import type { EscalationOutcome, EscalationReason, EscalationStatus } from '../domain/escalation.js';
import type { SupervisorSynthesisAnswer } from '../domain/llm/answer-schemas.js';
import type { Db } from '../lib/db.js';
import { openEscalation, updateEscalation } from '../lib/escalation-store.js';
import type { Metrics } from '../lib/metrics.js';

export interface EscalationRecordDeps {
  db: Db;
  metrics: Metrics;
}

/** The EscalationWorkflow's records: its row, and the seed's escalation metrics. */
export function createEscalationRecordActivities({ db, metrics }: EscalationRecordDeps) {
  return {
    async openEscalation(args: { id: string; taskId: string; tenantId: string; seq: number; reason: EscalationReason; context: Record<string, unknown> }): Promise<void> {
      await openEscalation(db, args);
    },

    /**
     * Moves the escalation's row on. A decision observes the resolution time
     * (the seed's p90 SLO), a deadline passed counts in escalation_failures_total.
     */
    async recordEscalation(args: {
      id: string;
      reason: EscalationReason;
      status: EscalationStatus;
      synthesis?: SupervisorSynthesisAnswer;
      decision?: EscalationOutcome;
      openForMs?: number;
    }): Promise<void> {
      await updateEscalation(db, args.id, { status: args.status, synthesis: args.synthesis, decision: args.decision });
      if (args.status === 'failed') metrics.escalationFailures.inc({ reason: args.reason });
      if (args.decision && args.openForMs !== undefined) metrics.escalationResolutionSeconds.observe({ source: args.decision.source }, args.openForMs / 1000);
    },
  };
}
