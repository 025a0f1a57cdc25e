import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import type { SandboxRunCompleted, SandboxRunResult } from '../../activities/sandbox.js';
import type { SandboxRunRequest } from '../../domain/sandbox.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { SandboxRunWorkflow } from '../../workflows/index.js';
import { workflowSource } from '../../workers/workflow-source.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { quietRuntime } from '../support/workers.js';

const config = testConfig();
const orchestrator = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);
const sandboxQueue = taskQueueName('sandbox', config.TEMPORAL_TASK_QUEUE_PREFIX);

const completed = (runId: string): SandboxRunCompleted => ({
  status: 'completed',
  runId,
  runtime: 'runc',
  warm: false,
  exitCode: 0,
  passed: true,
  tests: { framework: 'pytest', found: true, passed: 1, failed: 0, errors: 0, skipped: 0 },
  durationMs: 10,
  flags: { timedOut: false, oomKilled: false, stdoutTruncated: false, stderrTruncated: false, outputFlood: false, cancelled: false },
  outputRef: { table: 'sandbox_runs', runId },
  stdoutPreview: '',
  stderrPreview: '',
});

let env: TestWorkflowEnvironment;

/** A workflow worker on the orchestrator queue and the fake activity on the sandbox queue, as in production. */
async function withWorkers<T>(runSandbox: (req: SandboxRunRequest) => Promise<SandboxRunResult>, fn: () => Promise<T>): Promise<T> {
  const connection = env.nativeConnection;
  const namespace = config.TEMPORAL_NAMESPACE;
  const wf = await Worker.create({ connection, namespace, taskQueue: orchestrator, ...workflowSource() });
  const acts = await Worker.create({ connection, namespace, taskQueue: sandboxQueue, activities: { runSandbox } satisfies Partial<Activities> });
  return wf.runUntil(acts.runUntil(fn));
}

const request = (): SandboxRunRequest => ({ tenantId: 'wf-tenant', runId: uniqueId('step'), language: 'python', files: [] });

describe('runSandboxStep', () => {
  before(async () => {
    await requireServices(config, ['temporal']);
    quietRuntime();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  });
  after(async () => env?.teardown());

  it('sleeps for the wait the activity returns and asks again, each ask a first attempt', async () => {
    const asks: Array<{ attempt: number; at: number }> = [];
    const req = request();
    const result = await withWorkers(
      async (r) => {
        asks.push({ attempt: Context.current().info.attempt, at: Date.now() });
        return asks.length < 3 ? { status: 'rate-limited', waitMs: 700 } : completed(r.runId);
      },
      () => env.client.workflow.execute(SandboxRunWorkflow, { taskQueue: orchestrator, workflowId: `sandbox-${req.runId}`, args: [{ request: req }] }),
    );
    assert.equal(result.status, 'completed');
    assert.deepEqual(asks.map((a) => a.attempt), [1, 1, 1]);
    assert.ok(asks[1]!.at - asks[0]!.at >= 650, 'asked again before the wait was over');
    assert.ok(asks[2]!.at - asks[1]!.at >= 650);
    const history = await env.client.workflow.getHandle(`sandbox-${req.runId}`).fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
    assert.equal(timers.length, 2, 'each wait is a durable timer');
  });

  it('gives up when the total wait would exceed its limit', async () => {
    const req = request();
    const error = await withWorkers(
      async () => ({ status: 'rate-limited', waitMs: 60_000 }),
      () =>
        env.client.workflow
          .execute(SandboxRunWorkflow, { taskQueue: orchestrator, workflowId: `sandbox-${req.runId}`, args: [{ request: req, options: { maxRateLimitWaitMs: 1_000 } }] })
          .catch((e: unknown) => e),
    );
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /would wait 60000 ms more \(limit 1000 ms\)/);
  });
});
