import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { SandboxRunCompleted } from '../../activities/sandbox.js';
import { SANDBOX_LABELS, type SandboxRunRequest } from '../../domain/sandbox.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { createDocker } from '../../lib/docker.js';
import { runMigrations } from '../../lib/migrations.js';
import { projectRoot } from '../../lib/paths.js';
import { removeLeftoverSandboxes } from '../../lib/sandbox/cleanup.js';
import { loadSandboxRun } from '../../lib/sandbox/run-store.js';
import { chooseRuntime, engineRuntimes } from '../../lib/sandbox/runtime.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { SandboxRunWorkflow } from '../../workflows/index.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

// A small rate window so the wait is seen within the test; the seed's default is 10/minute.
const config = testConfig({ SANDBOX_RATE_LIMIT: '1/4s', SANDBOX_TIMEOUT_SECONDS: '60' });
const taskQueue = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);
const docker = createDocker(config);

let client: Client;
let workers: TestWorkers;

const PYTEST = [
  { path: 'calc.py', content: 'def add(a, b):\n    return a + b\n' },
  { path: 'test_calc.py', content: 'from calc import add\n\ndef test_add():\n    assert add(2, 2) == 4\n\ndef test_wrong():\n    assert add(2, 2) == 5\n' },
];
const NODE_TEST = [
  { path: 'sum.test.js', content: "const test = require('node:test');\nconst assert = require('node:assert');\ntest('sum', () => assert.equal(1 + 1, 2));\n" },
];

function request(fields: Partial<SandboxRunRequest> & Pick<SandboxRunRequest, 'language' | 'files'>): SandboxRunRequest {
  return { tenantId: uniqueId('sbx-tenant'), runId: uniqueId('sbx-run'), ...fields };
}

async function runWorkflow(req: SandboxRunRequest): Promise<SandboxRunCompleted> {
  return client.workflow.execute(SandboxRunWorkflow, { taskQueue, workflowId: `sandbox-${req.runId}`, args: [{ request: req }] });
}

async function containersOf(runId: string): Promise<Array<{ Id: string; State: string }>> {
  return docker.listContainers({ all: true, filters: { label: [`${SANDBOX_LABELS.runId}=${runId}`] } });
}

async function runSandboxAttempts(workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set(
    (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runSandbox').map((e) => String(e.eventId)),
  );
  return (history.events ?? [])
    .filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)))
    .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
}

describe('runSandbox activity', () => {
  before(async () => {
    await requireServices(config);
    await runMigrations({ databaseUrl: config.DATABASE_OWNER_URL ?? config.DATABASE_URL, migrationsDir: join(projectRoot(), 'migrations') });
    client = await connectClient(config);
    workers = await createTestWorkers(config, ['orchestrator', 'sandbox']);
  });
  after(async () => {
    await workers?.close();
    await client?.connection.close();
  });

  it('runs pytest in the sandbox and reports the tests, the runtime and where the output is', async () => {
    const req = request({ language: 'python', files: PYTEST });
    const result = await runWorkflow(req);
    assert.equal(result.status, 'completed');
    assert.deepEqual([result.tests.framework, result.tests.passed, result.tests.failed], ['pytest', 1, 1]);
    assert.equal(result.passed, false);
    assert.equal(result.exitCode, 1);
    // SANDBOX_RUNTIME (default auto): gVisor whenever the engine has it registered.
    assert.equal(result.runtime, chooseRuntime(config.SANDBOX_RUNTIME, await engineRuntimes(docker)));
    assert.equal(result.flags.timedOut, false);
    assert.deepEqual(result.outputRef, { table: 'sandbox_runs', runId: req.runId });
    const stored = await loadSandboxRun(workers.db, req.tenantId, req.runId);
    assert.ok(stored);
    assert.match(stored.stdout, /1 failed, 1 passed/);
    assert.equal(stored.runtime, result.runtime);
    assert.equal(await loadSandboxRun(workers.db, 'another-tenant', req.runId), undefined);
    assert.deepEqual(await containersOf(req.runId), []);
  });

  it('runs node --test', async () => {
    const result = await runWorkflow(request({ language: 'javascript', files: NODE_TEST }));
    assert.deepEqual([result.tests.framework, result.tests.passed, result.tests.failed, result.passed], ['node-test', 1, 0, true]);
  });

  it('keeps large output in Postgres and only a preview in the workflow result', async () => {
    const req = request({ language: 'python', files: [], command: ['python3', '-c', 'print("y" * 100000)'] });
    const result = await runWorkflow(req);
    assert.ok(result.stdoutPreview.length < 3_000);
    const stored = await loadSandboxRun(workers.db, req.tenantId, req.runId);
    assert.equal(stored?.stdout.length, 100_001);
  });

  it('kills the container when the workflow is cancelled', async () => {
    const req = request({ language: 'python', files: [], command: ['sh', '-c', 'echo running; sleep 300'], timeoutMs: 50_000 });
    const handle = await client.workflow.start(SandboxRunWorkflow, { taskQueue, workflowId: `sandbox-${req.runId}`, args: [{ request: req }] });
    let running = false;
    for (let i = 0; i < 100 && !running; i += 1) {
      running = (await containersOf(req.runId)).some((c) => c.State === 'running');
      if (!running) await sleep(200);
    }
    assert.ok(running, 'the run never started');
    const cancelledAt = Date.now();
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    assert.ok(error instanceof WorkflowFailedError);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i += 1) {
      gone = (await containersOf(req.runId)).length === 0;
      if (!gone) await sleep(200);
    }
    assert.ok(gone, 'the container survived the cancellation');
    assert.ok(Date.now() - cancelledAt < 10_000, `container removed ${Date.now() - cancelledAt} ms after the cancel`);
    const row = await workers.db.query<{ cancelled: boolean }>('SELECT cancelled FROM sandbox_runs WHERE run_id = $1', [req.runId]);
    assert.equal(row.rows[0]?.cancelled, true);
  });

  it("waits on a durable timer when the tenant is over its rate limit, without spending retry attempts", async () => {
    const tenantId = uniqueId('sbx-rate');
    const first = request({ tenantId, language: 'python', files: [], command: ['true'] });
    const second = request({ tenantId, language: 'python', files: [], command: ['true'] });
    const started = Date.now();
    const [a, b] = await Promise.all([runWorkflow(first), sleep(100).then(() => runWorkflow(second))]);
    assert.equal(a.status, 'completed');
    assert.equal(b.status, 'completed');
    assert.ok(Date.now() - started >= 3_000, `both ran within ${Date.now() - started} ms under 1 run per 4 s`);
    const attempts = await runSandboxAttempts(`sandbox-${second.runId}`);
    assert.ok(attempts.length >= 2, `the second run asked ${attempts.length} time(s)`);
    assert.deepEqual(new Set(attempts), new Set([1]), 'a wait consumed a retry attempt');
  });

  it('refuses bad input at once with a non-retryable InvalidInputError', async () => {
    const bad = { tenantId: 't', runId: uniqueId('bad'), language: 'python', files: [{ path: '../etc/passwd', content: '' }] } as SandboxRunRequest;
    const error = await runWorkflow(bad).catch((e: unknown) => e);
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String((error.cause?.cause as Error | undefined)?.message ?? error.cause?.message), /files\.0\.path/);
    const attempts = await runSandboxAttempts(`sandbox-${bad.runId}`);
    assert.deepEqual(attempts, [1]);
  });

  it('removes the containers of a crashed worker at start, leaving live ones', async () => {
    const labels = (expires: number, owner: string) => ({
      [SANDBOX_LABELS.marker]: '1',
      [SANDBOX_LABELS.runId]: uniqueId('leftover'),
      [SANDBOX_LABELS.expires]: String(expires),
      [SANDBOX_LABELS.owner]: owner,
    });
    const create = (l: Record<string, string>) => docker.createContainer({ Image: config.SANDBOX_IMAGE, Cmd: ['true'], Labels: l, HostConfig: { NetworkMode: 'none' } });
    const expired = await create(labels(Date.now() - 1, 'elsewhere/1'));
    const live = await create(labels(Date.now() + 60_000, 'elsewhere/1'));
    try {
      const removed = await removeLeftoverSandboxes(docker);
      assert.ok(removed >= 1);
      await assert.rejects(expired.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
      await live.inspect();
    } finally {
      await live.remove({ force: true, v: true });
      await expired.remove({ force: true, v: true }).catch(() => undefined);
    }
  });
});
