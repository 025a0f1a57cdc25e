/**
 * A task's status, as its row and the `TaskStatus` search attribute show it.
 * `reviewing`, `escalated` and `dead_lettered` are states of a running
 * workflow; the last four end it.
 */
export const TASK_STATUSES = [
  'queued',
  'running',
  'reviewing',
  'escalated',
  'dead_lettered',
  'completed',
  'failed',
  'cancelled',
  'discarded',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled', 'discarded']);

/** Statuses a task has while its workflow is open (the `tasks_active` gauge counts these). */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((s) => s !== 'queued' && !TERMINAL_TASK_STATUSES.has(s));
