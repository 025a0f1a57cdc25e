import { setTimeout as sleep } from 'node:timers/promises';
import { recommendReplicas, WORKER_SCALING, type ScalingRecommendation } from '../../domain/scaling.js';
import type { TaskQueueName } from '../../domain/task-queues.js';
import type { QueueLoad } from './queue-load.js';
import type { WorkerProcesses } from './worker-processes.js';

/** One queue at one scaling decision: what Temporal reported, what ran, what the rule chose. */
export interface ScalingStep {
  queue: TaskQueueName;
  taskQueue: string;
  backlog: number;
  /** Worker processes polling the queue, as Temporal sees them (a started process shows once it polls). */
  pollers: number;
  /** Worker processes this scaler ran before the decision. */
  replicas: number;
  recommended: number;
  wanted: number;
  reason: string;
}

export interface AutoscalerOptions {
  readLoads: () => Promise<QueueLoad[]>;
  workers: Pick<WorkerProcesses, 'count' | 'scaleTo'>;
  intervalMs: number;
  /** The loop ends at this time (ms since the epoch) or when `signal` aborts, whichever is first. */
  until: number;
  signal: AbortSignal;
  /** After each decision, with every queue's step and the processes now running. */
  onStep: (at: Date, steps: ScalingStep[]) => void;
  /** When Temporal could not be read; the loop keeps the current sizes and tries again next time. */
  onError: (err: Error) => void;
  now?: () => number;
}

/**
 * The local autoscaler: every interval, each queue's backlog goes through
 * domain/scaling.ts's rule with this scaler's own replica count and the time
 * since its last scale-up and scale-down (the cooldowns), and worker
 * processes are started or stopped to match. Coming up to the minimum (a
 * queue's first processes, or one replacing a process that died) is not a
 * scaling event, so it starts no cooldown, as a Deployment's own pods do not.
 */
export async function runAutoscaler(opts: AutoscalerOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const lastUp = new Map<TaskQueueName, number>();
  const lastDown = new Map<TaskQueueName, number>();
  const since = (map: Map<TaskQueueName, number>, queue: TaskQueueName) => {
    const at = map.get(queue);
    return at === undefined ? undefined : (now() - at) / 1000;
  };
  while (!opts.signal.aborted && now() < opts.until) {
    const tickStarted = now();
    let loads: QueueLoad[] | undefined;
    try {
      loads = await opts.readLoads();
    } catch (err) {
      opts.onError(err as Error);
    }
    if (loads && !opts.signal.aborted) {
      const steps: ScalingStep[] = [];
      for (const load of loads) {
        const replicas = opts.workers.count(load.queue);
        const rec: ScalingRecommendation = recommendReplicas(WORKER_SCALING[load.queue], {
          currentReplicas: replicas,
          backlog: load.backlog,
          secondsSinceScaleUp: since(lastUp, load.queue),
          secondsSinceScaleDown: since(lastDown, load.queue),
        });
        if (rec.replicas > replicas && replicas >= WORKER_SCALING[load.queue].minReplicas) lastUp.set(load.queue, now());
        if (rec.replicas < replicas) lastDown.set(load.queue, now());
        await opts.workers.scaleTo(load.queue, rec.replicas);
        steps.push({ queue: load.queue, taskQueue: load.taskQueue, backlog: load.backlog, pollers: load.workers, replicas, recommended: rec.replicas, wanted: rec.wanted, reason: rec.reason });
      }
      opts.onStep(new Date(now()), steps);
    }
    const wait = Math.min(opts.until - now(), opts.intervalMs - (now() - tickStarted));
    if (wait > 0) await sleep(wait, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
