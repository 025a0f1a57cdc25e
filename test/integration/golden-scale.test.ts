import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { after, before, describe, it } from 'node:test';
import { deploymentName } from '../../domain/deployment.js';
import { WORKER_SCALING } from '../../domain/scaling.js';
import { TASK_QUEUES, taskQueueName } from '../../domain/task-queues.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { golden } from '../support/cli.js';
import type { ScalingStep } from '../../cli/scaling/autoscaler.js';
import type { WorkerProcess } from '../../cli/scaling/worker-processes.js';
import { METRICS } from '../../domain/metric-names.js';
import { spawnEntry, waitFor } from '../support/processes.js';
import { requireServices, testConfig } from '../support/services.js';

/**
 * Workflows started on a queue no worker polls stay as backlog; `golden scale`
 * reads it from Temporal and recommends replicas by domain/scaling.ts.
 */

const config = testConfig();
const prefix = config.TEMPORAL_TASK_QUEUE_PREFIX;
const WAITING = 45;
const env = { TEMPORAL_TASK_QUEUE_PREFIX: prefix };
let client: Client;
const started: string[] = [];

interface Row {
  deployment: string;
  queue: string;
  taskQueue: string;
  backlog: number;
  workflowBacklog: number;
  activityBacklog: number;
  workers: number;
  minReplicas: number;
  maxReplicas: number;
  recommended: number;
  wanted: number;
  reason: string;
}

async function scaleJson(): Promise<Row[]> {
  const result = await golden(['scale', '--json'], env);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  return JSON.parse(result.stdout) as Row[];
}

describe('golden scale', () => {
  before(async () => {
    await requireServices(config, ['temporal']);
    client = await connectClient(config);
    for (let i = 0; i < WAITING; i++) {
      const workflowId = `scale-probe-${prefix}${i}`;
      // No worker polls this prefix's queues, so each start leaves one workflow task waiting.
      await client.workflow.start('ScaleProbeWorkflow', { taskQueue: taskQueueName('orchestrator', prefix), workflowId, workflowExecutionTimeout: '10m' });
      started.push(workflowId);
    }
  });

  after(async () => {
    await Promise.all(started.map((id) => client.workflow.getHandle(id).terminate('golden-scale test done').catch(() => undefined)));
    await client?.connection.close();
  });

  it("reads the orchestrator queue's backlog and recommends replicas for it (--json)", async () => {
    // Temporal refreshes its backlog estimate every few seconds.
    const rows = await waitFor('the backlog of the orchestrator queue to reach the started workflows', async () => {
      const r = await scaleJson();
      return r.find((row) => row.queue === 'orchestrator')?.backlog === WAITING ? r : undefined;
    });
    assert.deepEqual(
      rows.map((r) => r.queue),
      [...TASK_QUEUES],
    );
    const orchestrator = rows.find((r) => r.queue === 'orchestrator')!;
    const policy = WORKER_SCALING.orchestrator;
    const perReplica = policy.signals.find((s) => s.kind === 'backlog')!.perReplica;
    assert.equal(orchestrator.deployment, deploymentName('orchestrator'));
    assert.equal(orchestrator.taskQueue, taskQueueName('orchestrator', prefix));
    assert.deepEqual([orchestrator.workflowBacklog, orchestrator.activityBacklog, orchestrator.workers], [WAITING, 0, 0]);
    assert.equal(orchestrator.wanted, Math.ceil(WAITING / perReplica));
    assert.equal(orchestrator.recommended, 5, 'ceil(45 / 10) = 5, within one step of the minimum of 2 (+4)');
    assert.match(orchestrator.reason, /^below the minimum of 2; scaling up$/);
    for (const row of rows.filter((r) => r.queue !== 'orchestrator')) {
      assert.equal(row.backlog, 0, row.queue);
      assert.equal(row.recommended, row.minReplicas, `${row.queue} stays at its minimum`);
      assert.equal(row.minReplicas, WORKER_SCALING[row.queue as keyof typeof WORKER_SCALING].minReplicas);
    }
  });

  it('prints the same as a table', async () => {
    const result = await golden(['scale'], env);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^deployment\s+task queue\s+backlog\s+workers\s+min-max\s+recommended\s+why$/);
    const row = lines.find((l) => l.startsWith(deploymentName('orchestrator')))!;
    assert.deepEqual(row.split(/\s{2,}/), [deploymentName('orchestrator'), taskQueueName('orchestrator', prefix), String(WAITING), '0', '2-20', '5', 'below the minimum of 2; scaling up']);
  });

  it('--run starts a queue\'s minimum of worker processes, lists them for Prometheus and stops them when its time is over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-scale-'));
    const targets = join(dir, 'workers.json');
    // The supervisor queue alone: its minimum is one process. Its own prefix, so no backlog from the other tests.
    const runPrefix = `${prefix}run-`;
    const args = ['scale', '--run', '--json', '--queue', 'supervisor', '--for', '75', '--interval', '2', '--targets', targets];
    const scaler = spawnEntry('cli/golden.js', { TEMPORAL_TASK_QUEUE_PREFIX: runPrefix, WORKER_SHUTDOWN_GRACE_SECONDS: '5' }, args);
    try {
      type Decision = { steps: ScalingStep[]; workers: WorkerProcess[] };
      const decisions = () => scaler.output().split('\n').filter((l) => l.startsWith('{"at":')).map((l) => JSON.parse(l) as Decision);
      // A worker counts once Temporal sees it poll.
      const polling = await waitFor('the supervisor worker to poll', async () => decisions().find((d) => d.steps[0]!.pollers === 1), 70_000, 1000);
      assert.deepEqual(polling.steps.map((s) => [s.queue, s.replicas, s.recommended]), [['supervisor', 1, 1]]);
      const [worker] = polling.workers;
      assert.equal(worker?.queue, 'supervisor');
      const listed = JSON.parse(readFileSync(targets, 'utf8')) as { targets: string[]; labels: Record<string, string> }[];
      assert.deepEqual(listed, [{ targets: [worker.metricsAddress], labels: { queue: 'supervisor', pid: String(worker.pid) } }]);
      const metrics = await (await fetch(`http://${worker.metricsAddress}/metrics`)).text();
      assert.match(metrics, new RegExp(`^# TYPE ${METRICS.activityExecutions} counter`, 'm'));

      // Its time over, it stops the worker and exits.
      const exit = await scaler.exited;
      assert.equal(exit.code, 0, scaler.output());
      assert.throws(() => process.kill(worker.pid, 0), /ESRCH/, 'the worker process is gone');
      assert.deepEqual(JSON.parse(readFileSync(targets, 'utf8')), []);
    } finally {
      scaler.child.kill('SIGTERM');
      await scaler.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--run needs --for, and its options need --run', async () => {
    const noLimit = await golden(['scale', '--run'], env);
    assert.notEqual(noLimit.code, 0);
    assert.match(noLimit.stderr, /--run needs --for SECONDS/);
    const noRun = await golden(['scale', '--for', '10'], env);
    assert.notEqual(noRun.code, 0);
    assert.match(noRun.stderr, /--for needs --run/);
  });

  it('refuses an unknown option with its usage', async () => {
    const result = await golden(['scale', '--replicas', '3'], env);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Unknown option '--replicas'/);
    assert.match(result.stderr, /usage: golden scale \[--json\]/);
  });
});
