/**
 * Workflow ids double as idempotency keys for starts: a duplicate start of
 * `task-<id>` finds the existing run instead of creating a second one.
 */
export const TASK_WORKFLOW_PREFIX = 'task-';

export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function taskWorkflowId(taskId: string): string {
  return `${TASK_WORKFLOW_PREFIX}${taskId}`;
}

/** The task id of a `task-<id>` workflow id, or undefined for any other id. */
export function taskIdFromWorkflowId(workflowId: string): string | undefined {
  if (!workflowId.startsWith(TASK_WORKFLOW_PREFIX)) return undefined;
  const id = workflowId.slice(TASK_WORKFLOW_PREFIX.length);
  return TASK_ID_PATTERN.test(id) ? id : undefined;
}
