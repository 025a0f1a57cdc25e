import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAutoscaler } from '../../cli/scaling/autoscaler.js';
import type { QueueLoad } from '../../cli/scaling/queue-load.js';
import { WORKER_SCALING } from '../../domain/scaling.js';
import { TASK_QUEUES, type TaskQueueName } from '../../domain/task-queues.js';

/**
 * `golden scale --run`'s loop on a scripted clock: each decision reads one
 * scripted orchestrator backlog; the replicas it sets follow domain/scaling.ts
 * with the cooldowns counted from the loop's own scaling steps.
 */

const INTERVAL_MS = 5_000;

async function run(script: { atSeconds: number; backlog: number }[]): Promise<number[]> {
  let clock = 0;
  const replicas = new Map<TaskQueueName, number>();
  const seen: number[] = [];
  let tick = 0;
  await runAutoscaler({
    readLoads: async () => {
      clock = script[tick]!.atSeconds * 1000;
      const backlog = script[tick]!.backlog;
      tick += 1;
      return TASK_QUEUES.map((queue): QueueLoad => ({ queue, taskQueue: queue, backlog: queue === 'orchestrator' ? backlog : 0, workflowBacklog: 0, activityBacklog: 0, workers: 0 }));
    },
    workers: {
      count: (queue) => replicas.get(queue) ?? 0,
      scaleTo: async (queue, n) => void replicas.set(queue, n),
    },
    intervalMs: INTERVAL_MS,
    until: script.at(-1)!.atSeconds * 1000 + 1,
    signal: new AbortController().signal,
    onStep: () => {
      seen.push(replicas.get('orchestrator')!);
      // The clock jumps to the next scripted time (at least an interval later): no real waiting.
      clock = (script[tick]?.atSeconds ?? Infinity) * 1000;
    },
    onError: (err) => assert.fail(err),
    now: () => clock,
  });
  return seen;
}

describe('the local autoscaler loop', () => {
  it('starts each queue at its minimum, scales up in steps with the scale-up cooldown, and down only after the scale-down cooldown', async () => {
    const { minReplicas } = WORKER_SCALING.orchestrator;
    const seen = await run([
      { atSeconds: 0, backlog: 0 }, // created at the minimum: not a scaling event
      { atSeconds: 5, backlog: 45 }, // ceil(45 / 10) = 5, no cooldown yet
      { atSeconds: 10, backlog: 200 }, // 20 wanted, but within 60 s of the last scale-up
      { atSeconds: 70, backlog: 200 }, // one step: the larger of +4 and +100%, so 10
      { atSeconds: 75, backlog: 0 }, // within 300 s of the last scale-up: no scale-down
      { atSeconds: 371, backlog: 0 }, // down by at most one
    ]);
    assert.deepEqual(seen, [minReplicas, 5, 5, 10, 10, 9]);
  });

  it('keeps every other queue at its own minimum', async () => {
    const replicas = new Map<TaskQueueName, number>();
    let clock = 0;
    await runAutoscaler({
      readLoads: async () => TASK_QUEUES.map((queue): QueueLoad => ({ queue, taskQueue: queue, backlog: 0, workflowBacklog: 0, activityBacklog: 0, workers: 0 })),
      workers: { count: (q) => replicas.get(q) ?? 0, scaleTo: async (q, n) => void replicas.set(q, n) },
      intervalMs: INTERVAL_MS,
      until: 1,
      signal: new AbortController().signal,
      onStep: () => (clock = INTERVAL_MS),
      onError: (err) => assert.fail(err),
      now: () => clock,
    });
    assert.deepEqual(Object.fromEntries(replicas), Object.fromEntries(TASK_QUEUES.map((q) => [q, WORKER_SCALING[q].minReplicas])));
  });
});
