import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { innermostMessage } from '../domain/error-messages.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import { TaskWorkflowInput, type TaskResult } from '../domain/schemas/task.js';
import type { TaskStatus } from '../domain/task-status.js';
import { describeZodError } from '../domain/validation.js';
import { taskIdFromWorkflowId } from '../domain/workflow-ids.js';
import { budgetedCall } from './budgeted-call.js';
import { taskProgressQuery, type TaskProgress } from './messages.js';
import { TaskStatusKey, TenantIdKey } from './search-attribute-keys.js';

const records = proxyActivities<Activities>(ACTIVITY_KINDS.records);
// LLM calls heartbeat: a dead worker is noticed after the heartbeat timeout, not after minutes.
const agents = proxyActivities<Activities>(ACTIVITY_KINDS.agent);

/**
 * One software task, end to end. Input is plain JSON, validated here so that
 * `temporal workflow start --type TaskWorkflow --input '{…}'` is checked
 * exactly like `POST /tasks`.
 */
export async function TaskWorkflow(rawInput: unknown): Promise<TaskResult> {
  const parsed = TaskWorkflowInput.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid TaskWorkflow input: ${describeZodError(parsed.error)}`, 'InvalidInputError');
  }
  const input = parsed.data;
  const { workflowId } = workflowInfo();
  const taskId = taskIdFromWorkflowId(workflowId);
  if (!taskId) {
    throw ApplicationFailure.nonRetryable(`invalid workflow id "${workflowId}": TaskWorkflow ids are task-<id>`, 'InvalidInputError');
  }

  const progress: TaskProgress = { status: 'running', step: 'start', round: 1, iteration: 1, guidance: 0 };
  setHandler(taskProgressQuery, () => progress);
  const setStatus = (status: TaskStatus) => {
    progress.status = status;
    upsertSearchAttributes([
      { key: TenantIdKey, value: input.tenantId },
      { key: TaskStatusKey, value: status },
    ]);
  };

  setStatus('running');
  try {
    await records.recordTaskStarted({ taskId, workflowId, input });
    progress.step = 'develop';
    const solution = await budgetedCall(input.tenantId, 'develop-1', 'developer', (budgetRequestId) =>
      agents.generateSolution({ taskId, step: 'develop-1', budgetRequestId }),
    );
    progress.solutionId = solution.solutionId;
    const result: TaskResult = { taskId, tenantId: input.tenantId, status: 'completed', solution };
    progress.step = 'done';
    await records.recordTaskFinished({ taskId, tenantId: input.tenantId, status: 'completed', result });
    setStatus('completed');
    return result;
  } catch (err) {
    const status: TaskStatus = isCancellation(err) ? 'cancelled' : 'failed';
    // The run is being cancelled or failing; only a shielded scope still gets to record why.
    await CancellationScope.nonCancellable(async () => {
      setStatus(status);
      await records.recordTaskFinished({ taskId, tenantId: input.tenantId, status, error: innermostMessage(err) });
    });
    throw err;
  }
}
