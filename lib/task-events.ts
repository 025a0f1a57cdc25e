import type { TaskEvent, TaskEventKind } from '../domain/task-pipeline.js';
import type { Db } from './db.js';

export interface StoredTaskEvent extends TaskEvent {
  at: string;
}

/** Writes one event of a task's timeline; a retried write of the same `seq` replaces it. */
export async function recordTaskEvent(db: Db, taskId: string, tenantId: string, event: TaskEvent): Promise<void> {
  await db.query(
    `INSERT INTO task_events (task_id, seq, tenant_id, kind, step, detail) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (task_id, seq) DO UPDATE SET kind = EXCLUDED.kind, step = EXCLUDED.step, detail = EXCLUDED.detail`,
    [taskId, event.seq, tenantId, event.kind, event.step, JSON.stringify(event.detail)],
  );
}

/** A task's timeline in order, scoped by tenant (another tenant's task has none). */
export async function listTaskEvents(db: Db, taskId: string, tenantId: string): Promise<StoredTaskEvent[]> {
  const { rows } = await db.query<{ seq: number; kind: TaskEventKind; step: string; detail: Record<string, unknown>; at: Date }>(
    'SELECT seq, kind, step, detail, at FROM task_events WHERE task_id = $1 AND tenant_id = $2 ORDER BY seq',
    [taskId, tenantId],
  );
  return rows.map((r) => ({ seq: r.seq, kind: r.kind, step: r.step, detail: r.detail, at: r.at.toISOString() }));
}
