import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { Registry } from 'prom-client';
import { taskQueueName } from '../../domain/task-queues.js';
import { startMetricsServer } from '../../lib/http-metrics-server.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { workerReadiness } from '../../workers/readiness.js';
import { spawnEntry, waitFor, type Spawned } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('a worker process: /healthz, /readyz and the Temporal SDK metrics on its one metrics port', () => {
  let worker: Spawned;
  let base: string;
  let client: Client;

  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    worker = spawnEntry('workers/peer-hub.js', {
      TEMPORAL_TASK_QUEUE_PREFIX: config.TEMPORAL_TASK_QUEUE_PREFIX,
      WORKER_METRICS_HOST: '127.0.0.1',
      WORKER_METRICS_PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    client = await connectClient(config);
  });
  after(async () => {
    if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
    await worker.exited;
    await client?.connection.close();
  });

  it('is live, then ready once its worker polls and Postgres, Redis and Temporal answer', async () => {
    const ready = await waitFor(
      `/readyz to answer 200 (worker output: ${worker.output().slice(-2000)})`,
      async () => {
        const res = await get(`${base}/readyz`);
        return res.status === 200 ? res : undefined;
      },
      60_000,
    );
    assert.deepEqual(JSON.parse(ready.body), { ready: true, failing: [] });
    const live = await get(`${base}/healthz`);
    assert.equal(live.status, 200);
  });

  it("serves the SDK's schedule-to-start latency and workflow task failures under temporal_* names", async () => {
    // A workflow type this worker does not register: its task is polled (schedule-to-start is measured) and fails.
    const handle = await client.workflow.start('NoSuchWorkflowForMetrics', {
      taskQueue: taskQueueName('peer-hub', config.TEMPORAL_TASK_QUEUE_PREFIX),
      workflowId: uniqueId('sdk-metrics'),
      args: [],
    });
    try {
      const body = await waitFor(
        'the SDK metrics of the polled workflow task',
        async () => {
          const res = await get(`${base}/metrics`);
          return /^temporal_workflow_task_execution_failed\{/m.test(res.body) ? res.body : undefined;
        },
        60_000,
      );
      for (const name of ['temporal_workflow_task_schedule_to_start_latency_bucket', 'temporal_workflow_task_execution_failed', 'temporal_num_pollers']) {
        assert.match(body, new RegExp(`^${name}\\{`, 'm'), `${name} on /metrics`);
      }
      assert.match(body, /^# TYPE temporal_workflow_task_schedule_to_start_latency histogram$/m);
      assert.match(body, /^temporal_workflow_task_schedule_to_start_latency_bucket\{.*task_queue="[^"]*peer-hub".*le="\+Inf".*\} [1-9]/m, 'at least one observation on this queue');
      assert.match(body, /^llm_validation_failures_total|^process_cpu_user_seconds_total/m, "the process's own metrics are still there");
    } finally {
      await handle.terminate('test done');
    }
  });

  it('stops on SIGTERM and exits cleanly', async () => {
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;
    assert.equal(code, 0, worker.output().slice(-2000));
  });
});

describe('worker readiness and liveness answers', () => {
  it('names each dependency that fails or does not answer in time, and the workers while they do not poll', async () => {
    const answer = await workerReadiness(
      () => ({ running: false, state: 'STOPPING' }),
      [
        { name: 'postgres', check: async () => 1 },
        { name: 'redis', check: () => Promise.reject(new Error('connection refused')) },
        { name: 'temporal', check: () => new Promise(() => undefined) },
      ],
      50,
    );
    assert.equal(answer.ready, false);
    assert.deepEqual(answer.failing, ['temporal workers: STOPPING', 'redis: connection refused', 'temporal: temporal did not answer within 50 ms']);
  });

  it('/readyz is 503 with the reasons while /healthz stays 200; unknown paths 404', async () => {
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: new Registry(),
      healthy: () => true,
      ready: async () => ({ ready: false, failing: ['temporal workers: starting'] }),
    });
    try {
      const { port } = server.address() as { port: number };
      const ready = await get(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { ready: false, failing: ['temporal workers: starting'] });
      assert.equal((await get(`http://127.0.0.1:${port}/healthz`)).status, 200);
      assert.equal((await get(`http://127.0.0.1:${port}/nothing`)).status, 404);
    } finally {
      server.close();
    }
  });
});
