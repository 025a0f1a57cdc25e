import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import type { TaskQueueName } from '../../domain/task-queues.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { createMetrics, type Metrics } from '../../lib/metrics.js';
import { createActivityDeps } from '../../workers/activity-deps.js';
import { createQueueWorker } from '../../workers/create-worker.js';

let runtimeInstalled = false;

/** Tests fail activities on purpose; only errors are worth printing. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} } },
  });
  runtimeInstalled = true;
}

export interface TestWorkers {
  db: Db;
  /** The workers' own metrics, for tests that check what was counted. */
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * In-process workers with the real activities (or overrides) on this test
 * file's own task-queue prefix, polling from creation until `close()`.
 */
export async function createTestWorkers(config: Config, queues: TaskQueueName[], activityOverrides?: Partial<Activities>): Promise<TestWorkers> {
  quietRuntime();
  const metrics = createMetrics('test-worker');
  const deps = createActivityDeps(config, metrics, console);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workers = await Promise.all(
    queues.map((queue) =>
      createQueueWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, queue, taskQueuePrefix: config.TEMPORAL_TASK_QUEUE_PREFIX, deps, activityOverrides, payloadKeys: config.PAYLOAD_ENCRYPTION_KEYS }),
    ),
  );
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    db: deps.db,
    metrics,
    async close() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
      await deps.close();
    },
  };
}
