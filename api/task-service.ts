import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { CreateTaskBody, TaskView, TaskWorkflowInput } from '../domain/schemas/task.js';
import type { TokenClaims } from '../domain/schemas/identity.js';
import { taskQueueName } from '../domain/task-queues.js';
import { taskWorkflowId } from '../domain/workflow-ids.js';
import type { Db } from '../lib/db.js';
import { ensureTask, getTaskRow, setTaskStatus, toTaskView, type TaskRow } from '../lib/task-store.js';
import { TaskStatusKey, TenantIdKey } from '../workflows/search-attribute-keys.js';
import { TaskWorkflow } from '../workflows/task-workflow.js';
import { ConflictError, NotFoundError, UnavailableError } from './errors.js';
import { OtherTenantError } from './tenant.js';

export interface TaskServiceDeps {
  db: Db;
  temporal: Client;
  taskQueuePrefix: string;
}

function sameSpec(row: TaskRow, input: TaskWorkflowInput): boolean {
  return row.title === input.title && row.description === input.description && row.language === input.language;
}

/**
 * Creates a task and starts its workflow. With a client-chosen id the call is
 * idempotent: a repeat returns the same task, a repeat with other parameters
 * is refused, and the workflow id makes a second start impossible.
 */
export async function createTask(deps: TaskServiceDeps, identity: TokenClaims, body: CreateTaskBody): Promise<{ task: TaskView; created: boolean }> {
  const taskId = body.id ?? randomUUID();
  const workflowId = taskWorkflowId(taskId);
  const input: TaskWorkflowInput = {
    title: body.title,
    description: body.description,
    language: body.language,
    tenantId: identity.tenant,
    requestedBy: identity.sub,
  };

  await ensureTask(deps.db, taskId, workflowId, input, 'queued');
  const row = (await getTaskRow(deps.db, taskId))!;
  // Another tenant's id is reported as a clash without revealing anything about that task.
  if (row.tenant_id !== identity.tenant) throw new OtherTenantError('conflict', `task id ${taskId} is not available; choose another id`, `task/${taskId}`);
  if (!sameSpec(row, input)) throw new ConflictError(`task ${taskId} already exists with different parameters`);

  let created = true;
  try {
    await deps.temporal.workflow.start(TaskWorkflow, {
      taskQueue: taskQueueName('orchestrator', deps.taskQueuePrefix),
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: TenantIdKey, value: identity.tenant },
        { key: TaskStatusKey, value: 'queued' },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      created = false;
    } else {
      // Without a workflow the row would sit in "queued" forever; a repeat of the call tries again.
      await setTaskStatus(deps.db, taskId, identity.tenant, 'failed', { error: `workflow could not be started: ${(err as Error).message}` });
      throw new UnavailableError(`the workflow engine did not accept the task: ${(err as Error).message}`);
    }
  }
  const latest = (await getTaskRow(deps.db, taskId))!;
  return { task: toTaskView(latest), created };
}

/** A tenant sees only its own tasks; another tenant's id looks exactly like a missing one. */
export async function getTask(db: Db, identity: TokenClaims, taskId: string): Promise<TaskView> {
  const row = await getTaskRow(db, taskId);
  if (!row) throw new NotFoundError(`task ${taskId} not found`);
  if (row.tenant_id !== identity.tenant) throw new OtherTenantError('not_found', `task ${taskId} not found`, `task/${taskId}`);
  return toTaskView(row);
}
