import type { Client } from '@temporalio/client';
import { TASK_QUEUES, taskQueueName, type TaskQueueName } from '../../domain/task-queues.js';

/** Temporal's TaskQueueType: a worker deployment polls both kinds of its queue. */
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;

// Pollers long-poll for up to a minute; one not seen for two has gone away.
const LIVE_POLLER_MS = 120_000;

export interface QueueLoad {
  queue: TaskQueueName;
  /** The queue's name in Temporal (with the deployment's prefix). */
  taskQueue: string;
  /** Approximate tasks waiting: workflow tasks plus activity tasks. */
  backlog: number;
  workflowBacklog: number;
  activityBacklog: number;
  /** Worker processes polling the queue now (distinct poller identities of either kind). */
  workers: number;
}

async function describe(client: Client, namespace: string, taskQueue: string, kind: keyof typeof TASK_QUEUE_TYPES, now: number) {
  const res = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: TASK_QUEUE_TYPES[kind],
    reportStats: true,
  });
  const live = (res.pollers ?? []).filter((p) => now - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < LIVE_POLLER_MS);
  return { backlog: Number(res.stats?.approximateBacklogCount ?? 0), identities: live.map((p) => p.identity ?? '') };
}

/**
 * Each task queue's approximate backlog and live workers, from Temporal's
 * DescribeTaskQueue with stats (the server's own estimate; it lags new tasks by a few seconds).
 */
export async function readQueueLoads(client: Client, namespace: string, prefix: string, now = Date.now()): Promise<QueueLoad[]> {
  return Promise.all(
    TASK_QUEUES.map(async (queue): Promise<QueueLoad> => {
      const taskQueue = taskQueueName(queue, prefix);
      const [workflow, activity] = await Promise.all([
        describe(client, namespace, taskQueue, 'workflow', now),
        describe(client, namespace, taskQueue, 'activity', now),
      ]);
      return {
        queue,
        taskQueue,
        backlog: workflow.backlog + activity.backlog,
        workflowBacklog: workflow.backlog,
        activityBacklog: activity.backlog,
        workers: new Set([...workflow.identities, ...activity.identities]).size,
      };
    }),
  );
}
