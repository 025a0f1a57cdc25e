import type { TaskStatus } from '../domain/task-status.js';
import type { DeveloperSolution } from '../domain/schemas/solution.js';
import type { TaskResult, TaskView, TaskWorkflowInput } from '../domain/schemas/task.js';
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
