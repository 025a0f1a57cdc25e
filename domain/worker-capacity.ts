import type { TaskQueueName } from './task-queues.js';

/**
 * How many activities one worker process runs at once, per task queue.
 * Bounded so that work beyond a pod's capacity waits in Temporal's task queue,
 * where the autoscaler sees it as backlog (domain/scaling.ts), instead of
 * being taken by an overloaded worker that the backlog never reveals. Sandbox
 * runs are containers (CPU and memory each); agent calls mostly wait on the LLM.
 * WORKER_ACTIVITY_SLOTS overrides these for a process.
 */
export const ACTIVITY_SLOTS: Readonly<Record<TaskQueueName, number>> = {
  orchestrator: 50,
  'peer-hub': 40,
  supervisor: 20,
  sandbox: 4,
};

export function activitySlots(queue: TaskQueueName, override?: number): number {
  return override ?? ACTIVITY_SLOTS[queue];
}
