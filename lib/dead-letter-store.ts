import type { DeadLetterResolution } from '../domain/dead-letters.js';
import { deadLetterSubject } from '../domain/dead-letters.js';
import type { Db } from './db.js';

export interface DeadLetterView {
  id: number;
  originalSubject: string;
  data: Record<string, unknown>;
  error: string;
  errorType: string | null;
  attempts: number;
  resolved: boolean;
  resolution: DeadLetterResolution | null;
  resolvedBy: string | null;
  tenantId: string;
  taskId: string | null;
  workflowId: string;
  step: string;
  createdAt: string;
  resolvedAt: string | null;
}

interface DeadLetterRow {
  id: string;
  original_subject: string;
  data: Record<string, unknown>;
  error: string;
  error_type: string | null;
  attempts: number;
  resolved: boolean;
  resolution: DeadLetterResolution | null;
  resolved_by: string | null;
  tenant_id: string;
  task_id: string | null;
  workflow_id: string;
  step: string;
  created_at: Date;
  resolved_at: Date | null;
}

function toView(r: DeadLetterRow): DeadLetterView {
  return {
    id: Number(r.id),
    originalSubject: r.original_subject,
    data: r.data,
    error: r.error,
    errorType: r.error_type,
    attempts: r.attempts,
    resolved: r.resolved,
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    tenantId: r.tenant_id,
    taskId: r.task_id,
    workflowId: r.workflow_id,
    step: r.step,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
  };
}

/**
 * Records a step that exhausted its retries, once per (workflow, step): a
 * retried recording returns the row already written.
 */
export async function recordDeadLetter(
  db: Db,
  d: { tenantId: string; taskId?: string; workflowId: string; step: string; data: Record<string, unknown>; error: string; errorType?: string; attempts: number },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO dlq_messages (original_subject, data, error, attempts, tenant_id, task_id, workflow_id, step, error_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (workflow_id, step) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
     RETURNING id`,
    [deadLetterSubject(d.workflowId, d.step), JSON.stringify(d.data), d.error.slice(0, 8_000), Math.max(1, d.attempts), d.tenantId, d.taskId ?? null, d.workflowId, d.step, d.errorType ?? null],
  );
  return Number(rows[0]!.id);
}

/** Closes a dead letter; the first resolution wins, later ones change nothing. */
export async function resolveDeadLetter(db: Db, id: number, resolution: DeadLetterResolution, by: string): Promise<void> {
  await db.query(
    `UPDATE dlq_messages SET resolved = true, resolution = $2, resolved_by = $3, resolved_at = now() WHERE id = $1 AND NOT resolved`,
    [id, resolution, by],
  );
}

export async function getDeadLetter(db: Db, id: number, tenantId: string): Promise<DeadLetterView | undefined> {
  const { rows } = await db.query<DeadLetterRow>('SELECT * FROM dlq_messages WHERE id = $1 AND tenant_id = $2', [id, tenantId]);
  return rows[0] && toView(rows[0]);
}

export async function listDeadLetters(db: Db, filter: { tenantId: string; resolved?: boolean; taskId?: string; limit: number }): Promise<DeadLetterView[]> {
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT * FROM dlq_messages WHERE tenant_id = $1 AND ($2::boolean IS NULL OR resolved = $2) AND ($3::text IS NULL OR task_id = $3)
     ORDER BY created_at DESC LIMIT $4`,
    [filter.tenantId, filter.resolved ?? null, filter.taskId ?? null, filter.limit],
  );
  return rows.map(toView);
}

/** Open dead letters over every tenant: the seed's `dlq_message_count`. */
export async function countOpenDeadLetters(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM dlq_messages WHERE NOT resolved');
  return Number(rows[0]!.n);
}
