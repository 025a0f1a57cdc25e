import assert from 'node:assert/strict';
import { usageAttempt } from '../../domain/budget.js';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { taskQueueName } from '../../domain/task-queues.js';
import { createDb, type Db } from '../../lib/db.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { spawnEntry, waitFor, type Spawned } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig();
const taskQueue = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);
const tenant = uniqueId('dur').toLowerCase();
const input = { title: 'FizzBuzz', description: 'durability', language: 'python', tenantId: tenant, requestedBy: 'durability-test' };

// The scripted model "thinks" long enough for the test to act while the activity is running.
const workerEnv = {
  TEMPORAL_TASK_QUEUE_PREFIX: config.TEMPORAL_TASK_QUEUE_PREFIX,
  SCRIPTED_LLM_LATENCY_MS: '4000',
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'info',
};

let client: Client;
let db: Db;
let helpers: TestWorkers;
const children: Spawned[] = [];

/** A real worker process, returned once it polls (its signal handlers are installed by then). */
async function startWorker(): Promise<Spawned> {
  const spawned = spawnEntry('workers/orchestrator.js', workerEnv);
  children.push(spawned);
  await waitFor('the worker to start', async () => (spawned.output().includes('workers started') ? true : undefined));
  return spawned;
}

async function stopWorker(worker: Spawned): Promise<void> {
  worker.child.kill('SIGTERM');
  await worker.exited;
}

async function waitForRunningAgent(workflowId: string) {
  return waitFor('generateSolution to be running', async () => {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    return raw.pendingActivities?.find(
      (a) => a.activityType?.name === 'generateSolution' && a.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
  });
}

/** Attempt numbers of every finished generateSolution execution, read from the workflow history. */
async function agentAttempts(workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set(
    history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateSolution').map((e) => String(e.eventId)),
  );
  return history
    .events!.filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)))
    .map((e) => e.activityTaskStartedEventAttributes!.attempt!);
}

async function solutionRows(taskId: string) {
  const { rows } = await db.query<{ attempt: number }>('SELECT attempt FROM task_solutions WHERE task_id = $1', [taskId]);
  return rows;
}

describe('worker durability', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis', 'docker']);
    client = await connectClient(config);
    db = createDb(config);
    // The orchestrator runs as real processes below; the rest of the pipeline runs here.
    helpers = await createTestWorkers(config, ['peer-hub', 'supervisor', 'sandbox']);
  });
  after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    // Orchestrator workers create their schedules at start; this test's prefix must not leave any behind.
    for (const id of ['budget-sweep', 'budget-reconcile']) {
      await client?.schedule.getHandle(`${config.TEMPORAL_TASK_QUEUE_PREFIX}${id}`).delete().catch(() => undefined);
    }
    await helpers?.close();
    await client?.connection.close();
    await db?.end();
  });

  it('re-runs an activity whose worker was SIGKILLed, leaving exactly one row', async () => {
    const taskId = uniqueId('kill');
    const workflowId = `task-${taskId}`;
    const first = await startWorker();
    const handle = await client.workflow.start(TaskWorkflow, { taskQueue, workflowId, args: [input] });

    const running = await waitForRunningAgent(workflowId);
    assert.equal(running.attempt, 1);
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    const second = await startWorker();
    const result = await handle.result();
    await stopWorker(second);
    assert.equal(result.status, 'completed');
    const attempts = await agentAttempts(workflowId);
    assert.equal(attempts.length, 1, 'history shows one completed execution of the activity');
    assert.ok(attempts[0]! >= 2, `the completed execution is a retry (attempt ${attempts[0]})`);
    const rows = await solutionRows(taskId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.attempt, attempts[0]);

    // The killed attempt never got an answer, so it spent nothing: only the retry is charged, once.
    const { rows: usage } = await db.query<{ attempt: number }>('SELECT attempt FROM budget_usage WHERE request_id = $1', [`${workflowId}:develop-r1i1`]);
    assert.deepEqual(usage.map((u) => u.attempt), [usageAttempt(attempts[0]!, 0)]);
    const { rows: reservation } = await db.query('SELECT state, held::int FROM budget_reservations WHERE request_id = $1', [`${workflowId}:develop-r1i1`]);
    assert.deepEqual(reservation, [{ state: 'committed', held: 0 }]);
  });

  it('drains in-flight activities on SIGTERM, then exits 0', async () => {
    const taskId = uniqueId('term');
    const workflowId = `task-${taskId}`;
    const worker = await startWorker();
    const handle = await client.workflow.start(TaskWorkflow, { taskQueue, workflowId, args: [input] });
    await waitForRunningAgent(workflowId);
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    assert.equal(exit.code, 0, worker.output());

    const next = await startWorker();
    await handle.result();
    await stopWorker(next);
    assert.deepEqual(await agentAttempts(workflowId), [1], 'the activity finished during the drain: no retry was needed');
    assert.equal((await solutionRows(taskId)).length, 1);
  });
  it('a peer-hub worker process SIGKILLed during the review: the review finishes on its replacement and the task completes once', async () => {
    const reviewConfig = testConfig();
    const prefix = reviewConfig.TEMPORAL_TASK_QUEUE_PREFIX;
    const others = await createTestWorkers(reviewConfig, ['orchestrator', 'supervisor', 'sandbox']);
    const hubEnv = { ...workerEnv, TEMPORAL_TASK_QUEUE_PREFIX: prefix };
    const startHub = async () => {
      const hub = spawnEntry('workers/peer-hub.js', hubEnv);
      children.push(hub);
      await waitFor('the peer-hub worker to start', async () => (hub.output().includes('workers started') ? true : undefined));
      return hub;
    };
    try {
      const taskId = uniqueId('hubkill');
      const workflowId = `task-${taskId}`;
      const reviewId = `review-${taskId}-1`;
      const hub = await startHub();
      const handle = await client.workflow.start(TaskWorkflow, { taskQueue: taskQueueName('orchestrator', prefix), workflowId, args: [{ ...input, description: 'durability of reviews' }] });
      await waitFor('reviewer votes to be running', async () => {
        const { raw } = await client.workflow.getHandle(reviewId).describe();
        return raw.pendingActivities?.some((a) => a.activityType?.name === 'reviewSolution' && a.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) ? true : undefined;
      }, 120_000);
      hub.child.kill('SIGKILL');
      assert.equal((await hub.exited).signal, 'SIGKILL');
      const replacement = await startHub();
      const result = await handle.result();
      await stopWorker(replacement);
      assert.equal(result.acceptedBy, 'peer_review');
      const { rows: votes } = await db.query('SELECT role FROM peer_review_votes WHERE review_id = $1 ORDER BY role', [reviewId]);
      assert.deepEqual(votes.map((v) => v.role), ['architect', 'reviewer', 'security', 'tester']);
      const { rows: reviews } = await db.query('SELECT count(*)::int AS n FROM peer_reviews WHERE task_id = $1', [taskId]);
      assert.equal(reviews[0].n, 1);
      const { rows: finished } = await db.query("SELECT count(*)::int AS n FROM task_events WHERE task_id = $1 AND kind = 'finished'", [taskId]);
      assert.equal(finished[0].n, 1, 'the task finished exactly once');
      const { rows: held } = await db.query('SELECT count(*)::int AS n FROM budget_reservations WHERE request_id LIKE $1 AND held > 0', [`${reviewId}:%`]);
      assert.equal(held[0].n, 0, 'no reviewer hold is left');
    } finally {
      await others.close();
      for (const id of ['budget-sweep', 'budget-reconcile']) await client.schedule.getHandle(`${prefix}${id}`).delete().catch(() => undefined);
    }
  });
});
