/**
 * Tasks per second through the whole pipeline (scripted LLM, real sandbox,
 * Postgres, Redis, budget, guards, peer review) against a bare workflow that
 * runs the same sandbox activity and as many no-op activities as one task
 * schedules (one after another, while a task's four votes run in parallel), on the same Temporal
 * server, in the same run. Rounds alternate
 * so drift hits both alike. Goal: pipeline/bare ≥ 0.7. Prints; asserts
 * nothing about timing (exits non-zero only if a task fails).
 *
 * BENCH_SCALE=ci: 2 rounds × 4 concurrent tasks; default: 4 rounds × 8.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { taskQueueName } from '../domain/task-queues.js';
import { connectClient } from '../lib/temporal-connection.js';
import { distDir } from '../lib/paths.js';
import { payloadDataConverter } from '../lib/payload-codec.js';
import { TaskWorkflow } from '../workflows/index.js';
import { testConfig, requireServices, uniqueId } from '../test/support/services.js';
import { createTestWorkers, quietRuntime } from '../test/support/workers.js';

const SCALES = { ci: { rounds: 2, concurrent: 4 }, default: { rounds: 4, concurrent: 8 } } as const;
const scale = SCALES[process.env.BENCH_SCALE === 'ci' ? 'ci' : 'default'];

// One tenant runs every task of both variants: its sandbox rate limit (10/minute by default) would
// make whichever variant runs later in a minute wait on durable timers, so it is lifted for the run.
const config = testConfig({ LOG_LEVEL: 'error', SANDBOX_RATE_LIMIT: '100000/minute' });
await requireServices(config);
quietRuntime();
const client: Client = await connectClient(config);
const prefix = config.TEMPORAL_TASK_QUEUE_PREFIX;
const workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);

// The bare workflow's worker: the bench workflows bundle and a no-op activity, on its own queue.
const bareQueue = `${prefix}bare`;
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const bareWorker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: bareQueue,
  workflowsPath: join(distDir(), 'bench', 'workflows', 'index.js'),
  activities: { benchNoop: async () => undefined },
  dataConverter: payloadDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
});
const bareRunning = bareWorker.run();

const tenantId = uniqueId('bench-pipe').toLowerCase();
await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, 1_000_000_000]);

async function pipelineTask(): Promise<string> {
  const workflowId = `task-${uniqueId('bench')}`;
  const result = await client.workflow.execute(TaskWorkflow, {
    taskQueue: taskQueueName('orchestrator', prefix),
    workflowId,
    args: [{ title: 'FizzBuzz', description: 'Write fizzbuzz(n).', language: 'python', tenantId, requestedBy: 'bench' }],
  });
  if (result.acceptedBy !== 'peer_review') throw new Error(`bench task ${workflowId} ended ${JSON.stringify(result)}`);
  return workflowId;
}

async function activitiesOf(workflowId: string): Promise<number> {
  const ids = [workflowId, `review-${workflowId.slice(5)}-1`];
  let n = 0;
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    n += (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
  }
  return n;
}

// One warm-up task, which also tells how many activities a task schedules and gives the baseline a solution to test.
const warm = await pipelineTask();
const scheduled = await activitiesOf(warm);
const { rows } = await workers.db.query<{ id: string }>("SELECT id FROM task_solutions WHERE task_id = $1 AND step = 'develop-r1i1'", [warm.slice(5)]);
const solutionId = rows[0]!.id;

async function bareTask(): Promise<void> {
  await client.workflow.execute('BareTaskWorkflow', {
    taskQueue: bareQueue,
    workflowId: uniqueId('bench-bare'),
    args: [{ test: { taskId: warm.slice(5), tenantId, solutionId, runId: uniqueId('bench-bare-run'), language: 'python' }, sandboxQueue: taskQueueName('sandbox', prefix), noops: scheduled - 1 }],
  });
}

async function round(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: scale.concurrent }, run));
  return performance.now() - started;
}

await round(bareTask);
const time = { pipeline: 0, bare: 0 };
for (let r = 0; r < scale.rounds; r += 1) {
  time.bare += await round(bareTask);
  time.pipeline += await round(pipelineTask);
}
const tasks = scale.rounds * scale.concurrent;
const rate = { pipeline: tasks / (time.pipeline / 1000), bare: tasks / (time.bare / 1000) };
const server = (await client.workflowService.getSystemInfo({})).serverVersion ?? 'unknown';
console.log(`pipeline bench (${process.env.BENCH_SCALE === 'ci' ? 'ci' : 'default'}): ${scale.rounds} rounds × ${scale.concurrent} concurrent tasks; ${scheduled} activities per task (task + its peer review)`);
console.log(`  Temporal server ${server} (temporal CLI start-dev, SQLite)`);
console.log(`  bare      ${rate.bare.toFixed(2)} tasks/s (sandbox run + ${scheduled - 1} no-op activities)`);
console.log(`  pipeline  ${rate.pipeline.toFixed(2)} tasks/s`);
console.log(`pipeline bench: pipeline/bare=${(rate.pipeline / rate.bare).toFixed(2)} (goal ≥ 0.7)`);

bareWorker.shutdown();
await bareRunning;
await connection.close();
await workers.close();
await client.connection.close();
