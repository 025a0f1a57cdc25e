import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type Activities } from '../activities/index.js';
import { payloadDataConverter, type PayloadKeys } from '../lib/payload-codec.js';
import type { WorkerTracing } from '../lib/tracing-worker.js';
import { taskQueueName, type TaskQueueName } from '../domain/task-queues.js';
import { activitySlots } from '../domain/worker-capacity.js';
import { instrumentActivities } from './instrument.js';
import { QUEUE_LAYOUT } from './queue-layout.js';
import { workflowSource } from './workflow-source.js';

export interface QueueWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queue: TaskQueueName;
  taskQueuePrefix: string;
  shutdownGraceSeconds?: number;
  /** Activities run at once; by default the queue's ACTIVITY_SLOTS. */
  activitySlots?: number;
  deps: ActivityDeps;
  /** Payload encryption keys: workers encrypt what they send to Temporal and decrypt what they get. */
  payloadKeys: PayloadKeys;
  /** Tests pass activity overrides to exercise one branch; production never does. */
  activityOverrides?: Partial<Activities>;
  /** Spans around activities and the workflow span exporter; absent when tracing is off. */
  tracing?: WorkerTracing;
}

/** A worker for one task queue, registering exactly what QUEUE_LAYOUT says that queue runs. */
export async function createQueueWorker(opts: QueueWorkerOptions): Promise<Worker> {
  const layout = QUEUE_LAYOUT[opts.queue];
  const all = { ...instrumentActivities(createActivities(opts.deps), opts.deps.metrics), ...opts.activityOverrides };
  const activities = Object.fromEntries(layout.activities.map((name) => [name, all[name]]));
  const source = layout.workflows ? workflowSource() : undefined;
  const workflowModules = source && 'interceptors' in source ? source.interceptors.workflowModules : undefined;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: taskQueueName(opts.queue, opts.taskQueuePrefix),
    ...source,
    interceptors: { workflowModules, activity: opts.tracing?.activityInterceptors },
    sinks: opts.tracing?.sinks ?? source?.sinks,
    activities,
    dataConverter: payloadDataConverter(opts.payloadKeys),
    shutdownGraceTime: `${opts.shutdownGraceSeconds ?? 0}s`,
    maxConcurrentActivityTaskExecutions: activitySlots(opts.queue, opts.activitySlots),
  });
}
