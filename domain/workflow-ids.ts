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

/** The n-th (from 1) escalation of a task: `escalation-<task>-<n>`. */
export function escalationWorkflowId(taskId: string, n: number): string {
  return `escalation-${taskId}-${n}`;
}

/** The peer review of a task's round (from 1): `review-<task>-<round>`. */
export function peerReviewWorkflowId(taskId: string, round: number): string {
  return `review-${taskId}-${round}`;
}

const ESCALATION_ID = /^escalation-([A-Za-z0-9][A-Za-z0-9_-]{0,63})-([1-9][0-9]{0,3})$/;

/** The task and number of an escalation id, or undefined for anything else. */
export function parseEscalationWorkflowId(id: string): { taskId: string; n: number } | undefined {
  const m = ESCALATION_ID.exec(id);
  return m ? { taskId: m[1]!, n: Number(m[2]) } : undefined;
}
