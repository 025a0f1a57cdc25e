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

/**
 * The name of another queue in the same deployment as `current`: a workflow
 * on `t1-orchestrator` sends sandbox work to `t1-sandbox`, so a prefix set
 * for the workers reaches the activities they schedule without more config.
 */
export function siblingTaskQueue(current: string, target: TaskQueueName): string {
  const own = TASK_QUEUES.find((q) => current.endsWith(q));
  if (!own) throw new Error(`task queue "${current}" is not one of ${TASK_QUEUES.join(', ')} (with an optional prefix)`);
  return `${current.slice(0, current.length - own.length)}${target}`;
}
