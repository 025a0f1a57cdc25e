/** The task queues, one per worker deployment; each scales on its own backlog. */
export const TASK_QUEUES = ['orchestrator', 'peer-hub', 'supervisor', 'sandbox'] as const;
export type TaskQueueName = (typeof TASK_QUEUES)[number];

/**
 * A prefix lets tests and parallel environments share one Temporal namespace
 * without stealing each other's tasks; production leaves it empty.
 */
export function taskQueueName(queue: TaskQueueName, prefix = ''): string {
  return `${prefix}${queue}`;
}
