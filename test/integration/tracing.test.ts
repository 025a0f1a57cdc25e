import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { TaskView } from '../../domain/schemas/task.js';
import { buildApp } from '../../api/app.js';
import { BudgetController } from '../../lib/budget/controller.js';
import { createDb } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { createRedis } from '../../lib/redis.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { signToken } from '../../lib/tokens.js';
import { startTracing, type Tracing } from '../../lib/tracing.js';
import { workerTracing } from '../../lib/tracing-worker.js';
import { createActivityDeps } from '../../workers/activity-deps.js';
import { createQueueWorker } from '../../workers/create-worker.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { quietRuntime } from '../support/workers.js';

const config = testConfig();
const tenant = uniqueId('trace').toLowerCase();
const exporter = new InMemorySpanExporter();

let tracing: Tracing;
let app: FastifyInstance;
let temporal: Client;
let worker: Worker;
let running: Promise<void>;
const closers: Array<() => Promise<void> | void> = [];

const finished = () => exporter.getFinishedSpans();
const named = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name);

describe('OpenTelemetry: one trace from an API request through its workflow to the activities', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    const started = await startTracing(config, 'tracing-test', new SimpleSpanProcessor(exporter));
    assert.ok(started);
    tracing = started;
    quietRuntime();

    // The API as api/server.ts wires it: request spans, and a client whose starts carry the span.
    const db = createDb(config);
    const redis = createRedis(config);
    const metrics = createMetrics('tracing-test-api');
    temporal = await connectClient(config, { tracer: tracing.tracer });
    app = await buildApp({
      config,
      db,
      temporal,
      metrics,
      logger: createLogger('tracing-test-api', 'silent'),
      budget: new BudgetController({ db, redis, config, metrics }),
      redis,
      rateLimitKeyPrefix: `golden:test:${uniqueId('rl')}:`,
      tracing,
    });
    closers.push(() => app.close(), () => temporal.connection.close(), () => redis.disconnect(), () => db.end());

    // The orchestrator worker as workers/run-workers.ts wires it with tracing on.
    const deps = createActivityDeps(config, createMetrics('tracing-test-worker'), console);
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    worker = await createQueueWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      queue: 'orchestrator',
      taskQueuePrefix: config.TEMPORAL_TASK_QUEUE_PREFIX,
      deps,
      payloadKeys: config.PAYLOAD_ENCRYPTION_KEYS,
      tracing: workerTracing(tracing),
    });
    running = worker.run();
    closers.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await deps.close();
    });
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await tracing?.shutdown();
  });

  it('POST /tasks, StartWorkflow, RunWorkflow, StartActivity and RunActivity share one trace id, each span the child of the one before', async () => {
    const token = await signToken(config, { sub: 'alice', tenant, role: 'developer' }, 600);
    const created = await app.inject({
      method: 'POST',
      url: '/tasks',
      headers: { authorization: `Bearer ${token}` },
      payload: { title: 'FizzBuzz', description: 'Return Fizz, Buzz or FizzBuzz for n', language: 'python' },
    });
    assert.equal(created.statusCode, 202, created.body);
    const task = created.json<TaskView>();

    // The first activities run on this worker; later steps wait on queues nobody polls here, so the task is cancelled.
    await waitFor('the span of the recordTaskStarted activity', async () => named(finished(), 'RunActivity:recordTaskStarted'), 60_000);
    const handle = temporal.workflow.getHandle(task.workflowId);
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await waitFor('the workflow run span (ended with the run)', async () => named(finished(), 'RunWorkflow:TaskWorkflow'), 60_000);

    const spans = finished();
    const request = named(spans, 'POST /tasks');
    assert.ok(request, `the API request span; got ${spans.map((s) => s.name).join(', ')}`);
    const traceId = request.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const chain = ['POST /tasks', 'StartWorkflow:TaskWorkflow', 'RunWorkflow:TaskWorkflow', 'StartActivity:recordTaskStarted', 'RunActivity:recordTaskStarted'];
    const found = chain.map((name) => named(inTrace, name));
    assert.deepEqual(
      found.map((s, i) => (s ? chain[i] : `missing ${chain[i]}`)),
      chain,
      `spans in trace ${traceId}: ${inTrace.map((s) => s.name).join(', ')}`,
    );
    for (let i = 1; i < chain.length; i += 1) {
      assert.equal(found[i]!.parentSpanId, found[i - 1]!.spanContext().spanId, `${chain[i]} is the child of ${chain[i - 1]}`);
    }
    assert.equal(request.attributes['http.response.status_code'], 202);
    assert.equal(found[2]!.resource.attributes['service.name'], 'tracing-test', 'workflow spans are exported with the worker process resource');
  });
});
