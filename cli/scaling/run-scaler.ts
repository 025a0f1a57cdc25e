import type { Client } from '@temporalio/client';
import type { TaskQueueName } from '../../domain/task-queues.js';
import type { Config } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { CliError } from '../cli-error.js';
import { runAutoscaler, type ScalingStep } from './autoscaler.js';
import { readQueueLoads } from './queue-load.js';
import { writeScrapeTargets } from './scrape-targets.js';
import { WorkerProcesses } from './worker-processes.js';

export interface ScalerRun {
  seconds: number;
  intervalSeconds: number;
  queues: TaskQueueName[];
  /** A Prometheus file_sd file to keep listing the workers' metrics endpoints. */
  targetsFile?: string;
  /** One JSON line per decision instead of text. */
  json: boolean;
}

// Beyond the workers' own shutdown grace: the SDK needs a moment to stop pollers and flush.
const DRAIN_MARGIN_MS = 10_000;

function describeStep(at: Date, steps: ScalingStep[]): string {
  const time = at.toISOString().slice(11, 19);
  return steps
    .map((s) => `${time}  ${s.queue.padEnd(12)}  backlog ${String(s.backlog).padStart(4)}  pollers ${String(s.pollers).padStart(2)}  replicas ${s.replicas} -> ${s.recommended}  (${s.reason})`)
    .join('\n');
}

/**
 * `golden scale --run`: the autoscaler with real worker processes for a
 * bounded time. Whatever ends it (the time, SIGINT/SIGTERM, an error), every
 * process it started is stopped before it returns.
 */
export async function runScaler(config: Config, run: ScalerRun): Promise<void> {
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (err) {
    throw new CliError(`cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${(err as Error).message}`);
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const workers = new WorkerProcesses({
    env: process.env,
    metricsHost: config.WORKER_METRICS_HOST,
    drainMs: config.WORKER_SHUTDOWN_GRACE_SECONDS * 1000 + DRAIN_MARGIN_MS,
    onCrash: (queue, pid, reason) => console.error(`golden scale: worker ${queue} (pid ${pid}) ${reason}`),
  });
  let listed = '';
  const publishTargets = () => {
    if (!run.targetsFile) return;
    const current = JSON.stringify(workers.list());
    if (current === listed) return;
    writeScrapeTargets(run.targetsFile, workers.list());
    listed = current;
  };
  publishTargets();
  try {
    await runAutoscaler({
      readLoads: async () => (await readQueueLoads(client, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE_PREFIX)).filter((l) => run.queues.includes(l.queue)),
      workers,
      intervalMs: run.intervalSeconds * 1000,
      until: Date.now() + run.seconds * 1000,
      signal: abort.signal,
      onStep: (at, steps) => {
        publishTargets();
        console.log(run.json ? JSON.stringify({ at: at.toISOString(), steps, workers: workers.list() }) : describeStep(at, steps));
      },
      onError: (err) => console.error(`golden scale: cannot read the task queues' backlog from Temporal: ${err.message}`),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await workers.stopAll();
    publishTargets();
    await client.connection.close();
  }
}
