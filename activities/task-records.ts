import { ApplicationFailure } from '@temporalio/activity';
import type { TaskStatus } from '../domain/task-status.js';
import type { TaskResult, TaskWorkflowInput } from '../domain/schemas/task.js';
import type { Db } from '../lib/db.js';
import type { Metrics } from '../lib/metrics.js';
import { ensureTask, finishTaskRow, getTaskRow, setTaskStatus } from '../lib/task-store.js';

export interface TaskRecordDeps {
  db: Db;
  metrics: Pick<Metrics, 'tasksFinished'>;
}

export function createTaskRecordActivities({ db, metrics }: TaskRecordDeps) {
  return {
    /** Makes sure the task's row exists and marks it running; idempotent under retries. */
    async recordTaskStarted(args: { taskId: string; workflowId: string; input: TaskWorkflowInput }): Promise<void> {
      await ensureTask(db, args.taskId, args.workflowId, args.input, 'running');
      const row = await getTaskRow(db, args.taskId);
      if (!row) throw ApplicationFailure.nonRetryable(`task ${args.taskId} vanished after it was written`, 'NotFoundError');
      if (row.tenant_id !== args.input.tenantId || row.workflow_id !== args.workflowId) {
        // A task id is global: reusing another tenant's id must never touch that tenant's row.
        throw ApplicationFailure.nonRetryable(`task ${args.taskId} already belongs to another tenant or workflow`, 'InvalidInputError');
      }
      await setTaskStatus(db, args.taskId, args.input.tenantId, 'running');
    },

    async recordTaskFinished(args: {
      taskId: string;
      tenantId: string;
      status: Exclude<TaskStatus, 'queued' | 'running'>;
      result?: TaskResult;
      error?: string;
    }): Promise<void> {
      // Counted once per task (the completion-rate SLO's source): a retry finds the status already written.
      if (await finishTaskRow(db, args.taskId, args.tenantId, args.status, { result: args.result, error: args.error })) {
        metrics.tasksFinished.inc({ status: args.status });
      }
    },
  };
}
