import type { TaskStatus } from '../domain/task-status.js';
import type { DeveloperSolution } from '../domain/schemas/solution.js';
import type { SolutionSummary, TaskResult, TaskView, TaskWorkflowInput } from '../domain/schemas/task.js';
import type { Db } from './db.js';

export interface TaskRow {
  id: string;
  tenant_id: string;
  title: string;
  description: string;
  language: string;
  status: TaskStatus;
  workflow_id: string;
  requested_by: string;
  result: TaskResult | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Creates the task's row, or leaves an existing one as it is: the API writes
 * it before starting the workflow, and a workflow started from the `temporal`
 * CLI writes it itself, so both paths end with exactly one row.
 */
export async function ensureTask(db: Db, taskId: string, workflowId: string, input: TaskWorkflowInput, status: TaskStatus): Promise<void> {
  await db.query(
    `INSERT INTO tasks (id, tenant_id, title, description, language, status, workflow_id, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO NOTHING`,
    [taskId, input.tenantId, input.title, input.description, input.language, status, workflowId, input.requestedBy],
  );
}

/** Scoped by tenant as well as id, so a clash of ids can never touch another tenant's task. */
export async function setTaskStatus(
  db: Db,
  taskId: string,
  tenantId: string,
  status: TaskStatus,
  outcome: { result?: TaskResult; error?: string } = {},
): Promise<void> {
  await db.query(
    `UPDATE tasks SET status = $2, result = COALESCE($3::jsonb, result), error = $4, updated_at = now() WHERE id = $1 AND tenant_id = $5`,
    [taskId, status, outcome.result ? JSON.stringify(outcome.result) : null, outcome.error ?? null, tenantId],
  );
}

/**
 * Writes a task's final status; true only for the call that changed it, so a
 * retried activity (same status again) does not count the task twice.
 */
export async function finishTaskRow(
  db: Db,
  taskId: string,
  tenantId: string,
  status: TaskStatus,
  outcome: { result?: TaskResult; error?: string } = {},
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE tasks SET status = $2, result = COALESCE($3::jsonb, result), error = $4, updated_at = now()
     WHERE id = $1 AND tenant_id = $5 AND status IS DISTINCT FROM $2`,
    [taskId, status, outcome.result ? JSON.stringify(outcome.result) : null, outcome.error ?? null, tenantId],
  );
  return (rowCount ?? 0) > 0;
}

/** A tenant's tasks, newest first, optionally of one status. */
export async function listTaskRows(db: Db, filter: { tenantId: string; status?: TaskStatus; ids?: readonly string[]; limit: number }): Promise<TaskRow[]> {
  const { rows } = await db.query<TaskRow>(
    `SELECT * FROM tasks WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($4::text[] IS NULL OR id = ANY($4))
     ORDER BY created_at DESC LIMIT $3`,
    [filter.tenantId, filter.status ?? null, filter.limit, filter.ids ?? null],
  );
  return rows;
}

export async function getTaskRow(db: Db, taskId: string): Promise<TaskRow | undefined> {
  const { rows } = await db.query<TaskRow>('SELECT * FROM tasks WHERE id = $1', [taskId]);
  return rows[0];
}

export function toTaskView(row: TaskRow): TaskView {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    language: row.language,
    status: row.status,
    workflowId: row.workflow_id,
    requestedBy: row.requested_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    result: row.result,
    error: row.error,
  };
}

export interface SolutionRecord {
  taskId: string;
  tenantId: string;
  step: string;
  agentRole: string;
  provider: string;
  model: string;
  solution: DeveloperSolution;
  usage: { promptTokens: number; completionTokens: number };
  attempt: number;
}

/**
 * Stores an agent's solution under (task, step). A retried attempt replaces
 * its predecessor's row rather than adding a second one, so a step leaves
 * exactly one row however often Temporal runs it.
 */
export async function saveSolution(db: Db, record: SolutionRecord): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO task_solutions (task_id, tenant_id, step, agent_role, provider, model, summary, files, tests,
                                 prompt_tokens, completion_tokens, attempt)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (task_id, step) DO UPDATE SET
       provider = EXCLUDED.provider, model = EXCLUDED.model, summary = EXCLUDED.summary,
       files = EXCLUDED.files, tests = EXCLUDED.tests, prompt_tokens = EXCLUDED.prompt_tokens,
       completion_tokens = EXCLUDED.completion_tokens, attempt = EXCLUDED.attempt, updated_at = now()
     RETURNING id`,
    [
      record.taskId,
      record.tenantId,
      record.step,
      record.agentRole,
      record.provider,
      record.model,
      record.solution.summary,
      JSON.stringify(record.solution.files),
      JSON.stringify(record.solution.tests),
      record.usage.promptTokens,
      record.usage.completionTokens,
      record.attempt,
    ],
  );
  return rows[0]!.id;
}

export interface StoredSolution {
  id: string;
  taskId: string;
  tenantId: string;
  step: string;
  agentRole: string;
  solution: DeveloperSolution;
  createdAt: string;
}

/** The task's newest solution version (by when its step first stored it), whichever agent wrote it. */
export async function getLatestSolution(db: Db, taskId: string): Promise<StoredSolution | undefined> {
  const { rows } = await db.query<{
    id: string; task_id: string; tenant_id: string; step: string; agent_role: string;
    summary: string; files: DeveloperSolution['files']; tests: DeveloperSolution['tests']; created_at: Date;
  }>(
    `SELECT id, task_id, tenant_id, step, agent_role, summary, files, tests, created_at
       FROM task_solutions WHERE task_id = $1 ORDER BY created_at DESC, id LIMIT 1`,
    [taskId],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      taskId: r.task_id,
      tenantId: r.tenant_id,
      step: r.step,
      agentRole: r.agent_role,
      solution: { summary: r.summary, files: r.files, tests: r.tests },
      createdAt: r.created_at.toISOString(),
    }
  );
}

export interface PeerReviewFeedback {
  reviewId: string;
  outcome: string | null;
  explanation: string | null;
  votes: Array<{ role: string; verdict: string; score: number; reasons: string[] }>;
}

/** A peer review's votes and, once decided, its outcome and explanation: what a revision answers to. */
export async function getPeerReviewFeedback(db: Db, reviewId: string): Promise<PeerReviewFeedback | undefined> {
  const [{ rows: reviews }, { rows: votes }] = await Promise.all([
    db.query<{ outcome: string; explanation: string }>('SELECT outcome, explanation FROM peer_reviews WHERE id = $1', [reviewId]),
    db.query<{ role: string; verdict: string; score: string; reasons: string[] }>(
      'SELECT role, verdict, score, reasons FROM peer_review_votes WHERE review_id = $1 ORDER BY role',
      [reviewId],
    ),
  ]);
  if (!reviews[0] && votes.length === 0) return undefined;
  return {
    reviewId,
    outcome: reviews[0]?.outcome ?? null,
    explanation: reviews[0]?.explanation ?? null,
    votes: votes.map((v) => ({ role: v.role, verdict: v.verdict, score: Number(v.score), reasons: v.reasons })),
  };
}

/** The task's newest decided peer review, as the escalation's supervisor reads it. */
export async function getLatestPeerReview(db: Db, taskId: string): Promise<{ id: string; outcome: string; quality: number; explanation: string } | undefined> {
  const { rows } = await db.query<{ id: string; outcome: string; quality: string; explanation: string }>(
    'SELECT id, outcome, quality, explanation FROM peer_reviews WHERE task_id = $1 ORDER BY created_at DESC, id LIMIT 1',
    [taskId],
  );
  return rows[0] && { ...rows[0], quality: Number(rows[0].quality) };
}

/** What a workflow gets for a stored solution version: its reference, what it contains and what the call cost. */
export function toSolutionSummary(
  solutionId: string,
  solution: DeveloperSolution,
  call: { model: string; provider: string; rounds: number; usage: { promptTokens: number; completionTokens: number }; costUsd: number | null },
): SolutionSummary {
  return {
    solutionId,
    summary: solution.summary,
    files: solution.files.map((f) => f.path),
    tests: solution.tests.map((f) => f.path),
    model: call.model,
    provider: call.provider,
    rounds: call.rounds,
    usage: call.usage,
    costUsd: call.costUsd,
  };
}
