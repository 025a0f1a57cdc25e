import { makeTelemetryFilterString, MetricsBuffer, Runtime } from '@temporalio/worker';
import type { TaskQueueName } from '../domain/task-queues.js';
import { loadConfig } from '../lib/config.js';
import { registerBudgetGauges } from '../lib/budget/gauges.js';
import { registerGovernanceGauges } from '../lib/governance-gauges.js';
import { registerBreakerGauge } from '../lib/circuit-breaker.js';
import { startMetricsServer } from '../lib/http-metrics-server.js';
import { createLogger } from '../lib/logger.js';
import { createMetrics } from '../lib/metrics.js';
import { registerPipelineGauges } from '../lib/pipeline-gauges.js';
import { removeLeftoverSandboxes } from '../lib/sandbox/cleanup.js';
import { connectClient, connectWorker } from '../lib/temporal-connection.js';
import { temporalLogger } from '../lib/temporal-logger.js';
import { startTracing } from '../lib/tracing.js';
import { workerTracing } from '../lib/tracing-worker.js';
import { createActivityDeps } from './activity-deps.js';
import { createQueueWorker } from './create-worker.js';
import { workerReadiness } from './readiness.js';
import { ensureSchedules } from './schedules.js';
import { exportSdkMetrics } from './sdk-metrics.js';
import { startProcessBreakerControl } from '../lib/breaker-control.js';

/** Room for a few seconds of SDK metric updates under load between two drains (one a second). */
const SDK_METRICS_BUFFER_SIZE = 100_000;

/**
 * Runs one worker per queue in this process until SIGINT/SIGTERM. The SDK's
 * runtime turns either signal into a graceful shutdown: pollers stop, running
 * activities and workflow tasks finish (drain), then `run()` resolves.
 */
export async function runWorkers(queues: readonly TaskQueueName[], service: string): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(service, config.LOG_LEVEL);
  const tracing = await startTracing(config, service);
  const sdkMetricsBuffer = new MetricsBuffer({ maxBufferSize: SDK_METRICS_BUFFER_SIZE, useSecondsForDurations: true });
  Runtime.install({
    logger: temporalLogger(logger, { traced: tracing !== undefined }),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      // The SDK core's own logs join the same JSON stream instead of going to the console in their own format.
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }), forward: {} },
      // Buffered, then served from our own /metrics: one endpoint per worker process, no second port.
      metrics: { buffer: sdkMetricsBuffer },
    },
  });

  const metrics = createMetrics(service);
  const sdkMetrics = exportSdkMetrics(metrics.registry, sdkMetricsBuffer);
  const deps = createActivityDeps(config, metrics, logger);
  registerBudgetGauges(metrics.registry, deps.db);
  registerGovernanceGauges(metrics.registry, deps.db);
  registerPipelineGauges(metrics.registry, deps.db);
  registerBreakerGauge(metrics.registry, deps.breakers);

  const connection = await connectWorker(config);
  let closeServer = () => {};
  try {
    const breakerControl = await startProcessBreakerControl(config, deps.breakers, service, logger);
    try {
      if (queues.includes('sandbox')) {
        // Containers of a worker that crashed mid-run are found by label and removed before this one takes work.
        const removed = await removeLeftoverSandboxes(deps.docker);
        if (removed > 0) logger.warn({ removed }, 'removed leftover sandbox containers');
        if (deps.sandbox.pool) {
          deps.sandbox.pool.start().then(
            () => logger.info({ size: config.SANDBOX_WARM_POOL_SIZE }, 'warm sandbox pool filled'),
            (err: unknown) => logger.warn({ err }, 'warm sandbox pool not started; runs start cold containers'),
          );
        }
      }
      if (queues.includes('orchestrator')) {
        const client = await connectClient(config, { tracer: tracing?.tracer });
        const schedules = await ensureSchedules(client, config);
        await client.connection.close();
        logger.info({ schedules }, 'schedules ensured');
      }
      const traced = tracing ? workerTracing(tracing) : undefined;
      const workers = await Promise.all(
        queues.map((queue) =>
          createQueueWorker({
            connection,
            namespace: config.TEMPORAL_NAMESPACE,
            queue,
            taskQueuePrefix: config.TEMPORAL_TASK_QUEUE_PREFIX,
            shutdownGraceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
            ...(config.WORKER_ACTIVITY_SLOTS === undefined ? {} : { activitySlots: config.WORKER_ACTIVITY_SLOTS }),
            deps,
            payloadKeys: config.PAYLOAD_ENCRYPTION_KEYS,
            tracing: traced,
          }),
        ),
      );
      // Served once the workers exist: the local stack takes the first 200 on /healthz as "started".
      const server = await startMetricsServer({
        host: config.WORKER_METRICS_HOST,
        port: config.WORKER_METRICS_PORT,
        registry: metrics.registry,
        beforeScrape: sdkMetrics.drain,
        healthy: () => !workers.some((w) => w.getState() === 'FAILED'),
        ready: () =>
          workerReadiness(
            () => ({ running: workers.every((w) => w.getState() === 'RUNNING'), state: workers.map((w) => w.getState()).join(',') }),
            [
              { name: 'postgres', check: () => deps.db.query('SELECT 1') },
              { name: 'redis', check: () => deps.redis.ping() },
              { name: 'temporal', check: () => connection.workflowService.getSystemInfo({}) },
            ],
          ),
      });
      closeServer = () => server.close();
      logger.info({ queues, namespace: config.TEMPORAL_NAMESPACE, metricsPort: config.WORKER_METRICS_PORT, tracing: config.OTEL_TRACES_EXPORTER }, 'workers started');
      await Promise.all(workers.map((w) => w.run()));
      logger.info('workers drained and stopped');
    } finally {
      await breakerControl.stop();
    }
  } finally {
    closeServer();
    sdkMetrics.stop();
    await connection.close();
    await deps.close();
    await tracing?.shutdown();
  }
}
