import { METRICS } from '../../domain/metric-names.js';
import { TASK_QUEUES, type TaskQueueName } from '../../domain/task-queues.js';
import type { TaskRecord } from './load-driver.js';

export interface QueueSample {
  backlog: number;
  /** Worker processes `golden scale` runs after its decision. */
  workers: number;
  /** p95 end-to-end latency in seconds (see LATENCY_SOURCES); undefined when nothing finished in the window. */
  p95?: number;
}

export interface Sample {
  /** Seconds since the load started. */
  t: number;
  phase: string;
  sent: number;
  done: number;
  inFlight: number;
  queues: Record<TaskQueueName, QueueSample>;
}

/** The window p95s are taken over: long enough for a few tasks at steady load, short enough to show recovery. */
export const LATENCY_WINDOW_SECONDS = 60;

const windowP95 = (histogram: string) => `histogram_quantile(0.95, sum by (le) (rate(${histogram}_bucket[${LATENCY_WINDOW_SECONDS}s])))`;

/**
 * What "end-to-end latency" means per queue: what one unit of that queue's
 * work takes from its start to its end. The orchestrator's is the whole task
 * (sent to POST /tasks until the workflow's result), measured by the load
 * generator; the others are the project's own histograms, read from Prometheus.
 */
export const LATENCY_SOURCES: Record<TaskQueueName, { what: string; promql?: string }> = {
  orchestrator: { what: 'task: POST /tasks until the TaskWorkflow result (load generator)' },
  'peer-hub': { what: `peer review start to consensus (${METRICS.peerReviewConsensusSeconds})`, promql: windowP95(METRICS.peerReviewConsensusSeconds) },
  supervisor: { what: `escalation opened to decided (${METRICS.escalationResolutionSeconds})`, promql: windowP95(METRICS.escalationResolutionSeconds) },
  sandbox: { what: `sandbox run, container start to exit (${METRICS.sandboxExecutionSeconds})`, promql: windowP95(METRICS.sandboxExecutionSeconds) },
};

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** p95 of the task latencies of tasks that finished within the window ending at `t`. */
export function taskP95(tasks: readonly TaskRecord[], t: number): number | undefined {
  const recent = tasks.filter((k) => k.outcome === 'completed' && k.finishedAt !== undefined && k.finishedAt > t - LATENCY_WINDOW_SECONDS && k.finishedAt <= t);
  return percentile(
    recent.map((k) => k.finishedAt! - k.submittedAt),
    95,
  );
}

export const emptyQueues = (): Record<TaskQueueName, QueueSample> =>
  Object.fromEntries(TASK_QUEUES.map((q) => [q, { backlog: 0, workers: 0 }])) as Record<TaskQueueName, QueueSample>;
