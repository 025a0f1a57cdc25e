import type { SecurityFinding } from '../domain/llm/answer-schemas.js';
import type { Db } from './db.js';

export interface SecurityReviewView {
  id: string;
  taskId: string;
  tenantId: string;
  solutionId: string;
  step: string;
  approved: boolean;
  findings: SecurityFinding[];
  provider: string;
  model: string;
  createdAt: string;
}

interface SecurityReviewRow {
  id: string;
  task_id: string;
  tenant_id: string;
  solution_id: string;
  step: string;
  approved: boolean;
  findings: SecurityFinding[];
  provider: string;
  model: string;
  created_at: Date;
}

function toView(r: SecurityReviewRow): SecurityReviewView {
  return {
    id: r.id,
    taskId: r.task_id,
    tenantId: r.tenant_id,
    solutionId: r.solution_id,
    step: r.step,
    approved: r.approved,
    findings: r.findings,
    provider: r.provider,
    model: r.model,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * Keeps the security agent's review of one solution version under (task,
 * step). A retried attempt rewrites its row, so the id stays the same.
 */
export async function saveSecurityReview(
  db: Db,
  r: { taskId: string; tenantId: string; solutionId: string; step: string; approved: boolean; findings: SecurityFinding[]; provider: string; model: string },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO security_reviews (task_id, tenant_id, solution_id, step, approved, findings, provider, model)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (task_id, step) DO UPDATE SET
       solution_id = EXCLUDED.solution_id, approved = EXCLUDED.approved, findings = EXCLUDED.findings,
       provider = EXCLUDED.provider, model = EXCLUDED.model, created_at = now()
     WHERE security_reviews.tenant_id = EXCLUDED.tenant_id
     RETURNING id`,
    [r.taskId, r.tenantId, r.solutionId, r.step, r.approved, JSON.stringify(r.findings), r.provider, r.model],
  );
  if (!rows[0]) throw new Error(`security review (${r.taskId}, ${r.step}) belongs to another tenant`);
  return rows[0].id;
}

export async function getSecurityReview(db: Db, id: string): Promise<SecurityReviewView | undefined> {
  const { rows } = await db.query<SecurityReviewRow>('SELECT * FROM security_reviews WHERE id = $1', [id]);
  return rows[0] && toView(rows[0]);
}

/** The task's newest security review, whichever solution version it judged. */
export async function getLatestSecurityReview(db: Db, taskId: string): Promise<SecurityReviewView | undefined> {
  const { rows } = await db.query<SecurityReviewRow>('SELECT * FROM security_reviews WHERE task_id = $1 ORDER BY created_at DESC, id LIMIT 1', [taskId]);
  return rows[0] && toView(rows[0]);
}
