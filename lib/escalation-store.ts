import type { EscalationOutcome, EscalationReason, EscalationStatus } from '../domain/escalation.js';
import type { SupervisorSynthesisAnswer } from '../domain/llm/answer-schemas.js';
import type { Db } from './db.js';

export interface EscalationView {
  id: string;
  taskId: string;
  tenantId: string;
  seq: number;
  reason: EscalationReason;
  context: Record<string, unknown>;
  status: EscalationStatus;
  synthesis: SupervisorSynthesisAnswer | null;
  decision: EscalationOutcome | null;
  decidedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

interface EscalationRow {
  id: string;
  task_id: string;
  tenant_id: string;
  seq: number;
  reason: EscalationReason;
  context: Record<string, unknown>;
  status: EscalationStatus;
  synthesis: SupervisorSynthesisAnswer | null;
  decision: EscalationOutcome | null;
  decided_by: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

function toView(r: EscalationRow): EscalationView {
  return {
    id: r.id,
    taskId: r.task_id,
    tenantId: r.tenant_id,
    seq: r.seq,
    reason: r.reason,
    context: r.context,
    status: r.status,
    synthesis: r.synthesis,
    decision: r.decision,
    decidedBy: r.decided_by,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
  };
}

/** Opens the escalation's record; a retried write finds it as it is. */
export async function openEscalation(
  db: Db,
  e: { id: string; taskId: string; tenantId: string; seq: number; reason: EscalationReason; context: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `INSERT INTO escalations (id, task_id, tenant_id, seq, reason, context, status) VALUES ($1, $2, $3, $4, $5, $6, 'open')
     ON CONFLICT (id) DO NOTHING`,
    [e.id, e.taskId, e.tenantId, e.seq, e.reason, JSON.stringify(e.context)],
  );
}

/** Moves the escalation on; a decision is written once (a final status is never overwritten). */
export async function updateEscalation(
  db: Db,
  id: string,
  change: { status: EscalationStatus; synthesis?: SupervisorSynthesisAnswer; decision?: EscalationOutcome },
): Promise<void> {
  const final = change.status === 'auto_applied' || change.status === 'resolved' || change.status === 'failed';
  await db.query(
    `UPDATE escalations SET status = $2, synthesis = COALESCE($3::jsonb, synthesis), decision = COALESCE($4::jsonb, decision),
       decided_by = COALESCE($5, decided_by), resolved_at = CASE WHEN $6 THEN COALESCE(resolved_at, now()) ELSE resolved_at END
     WHERE id = $1 AND status NOT IN ('auto_applied', 'resolved', 'failed')`,
    [
      id,
      change.status,
      change.synthesis ? JSON.stringify(change.synthesis) : null,
      change.decision ? JSON.stringify(change.decision) : null,
      change.decision?.decidedBy ?? null,
      final,
    ],
  );
}

export async function getEscalation(db: Db, id: string, tenantId: string): Promise<EscalationView | undefined> {
  const { rows } = await db.query<EscalationRow>('SELECT * FROM escalations WHERE id = $1 AND tenant_id = $2', [id, tenantId]);
  return rows[0] && toView(rows[0]);
}

export async function listEscalations(
  db: Db,
  filter: { tenantId: string; status?: EscalationStatus; taskId?: string; limit: number },
): Promise<EscalationView[]> {
  const { rows } = await db.query<EscalationRow>(
    `SELECT * FROM escalations WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR task_id = $3)
     ORDER BY created_at DESC LIMIT $4`,
    [filter.tenantId, filter.status ?? null, filter.taskId ?? null, filter.limit],
  );
  return rows.map(toView);
}

/** Escalations still waiting for a decision, over every tenant (the `escalations_unresolved` gauge). */
export async function countUnresolvedEscalations(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM escalations WHERE status IN ('open', 'awaiting_human')");
  return Number(rows[0]!.n);
}
