import type { Client } from '@temporalio/client';
import { deploymentName } from '../../domain/deployment.js';
import { recommendReplicas, WORKER_SCALING, type ScalingRecommendation } from '../../domain/scaling.js';
import { loadConfig } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { TASK_QUEUES, type TaskQueueName } from '../../domain/task-queues.js';
import { parseCommandArgs, positiveInt } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';
import { readQueueLoads, type QueueLoad } from '../scaling/queue-load.js';
import { runScaler } from '../scaling/run-scaler.js';

const DEFAULT_INTERVAL_S = 15;

const USAGE = `usage: golden scale [--json]
       golden scale --run --for SECONDS [--interval SECONDS] [--queue NAME]...
                    [--targets FILE] [--json]

Reads each task queue's approximate backlog and live workers from Temporal
(DescribeTaskQueue with stats) and prints the replicas domain/scaling.ts
recommends for its worker deployment: the rule the HorizontalPodAutoscalers
KEDA makes from k8s/hpa-configs.yaml follow, on the backlog signal.
The other seed triggers (active tasks, p95 consensus time, unresolved
escalations) are Prometheus series that only the in-cluster autoscalers read.

--json      one object per deployment instead of the table.

--run       scale this machine's worker processes: every --interval seconds
            (default ${DEFAULT_INTERVAL_S}) apply the recommendation by starting or stopping
            dist/workers/<queue>.js processes (stopped ones drain first), for
            --for seconds or until SIGINT/SIGTERM; then stop them all and exit.
            Prints each decision (with --json, one JSON line per decision:
            {at, steps, workers}, workers being the processes then running).
--queue     only these queues (repeatable; default all: ${TASK_QUEUES.join(', ')}).
--targets   keep FILE as a Prometheus file_sd list of the workers' metrics
            endpoints, rewritten at each change.`;

function parseQueues(names: string[] | undefined): TaskQueueName[] {
  if (!names || names.length === 0) return [...TASK_QUEUES];
  for (const name of names) {
    if (!(TASK_QUEUES as readonly string[]).includes(name)) throw new CliError(`--queue must be one of ${TASK_QUEUES.join(', ')}, got "${name}"`);
  }
  return TASK_QUEUES.filter((q) => names.includes(q));
}

interface Row extends QueueLoad {
  deployment: string;
  minReplicas: number;
  maxReplicas: number;
  recommended: number;
  wanted: number;
  reason: string;
}

function toRow(load: QueueLoad): Row {
  const policy = WORKER_SCALING[load.queue];
  const rec: ScalingRecommendation = recommendReplicas(policy, { currentReplicas: load.workers, backlog: load.backlog });
  return {
    deployment: deploymentName(load.queue),
    ...load,
    minReplicas: policy.minReplicas,
    maxReplicas: policy.maxReplicas,
    recommended: rec.replicas,
    wanted: rec.wanted,
    reason: rec.reason,
  };
}

function table(rows: Row[]): string {
  const header = ['deployment', 'task queue', 'backlog', 'workers', 'min-max', 'recommended', 'why'];
  const cells = rows.map((r) => [r.deployment, r.taskQueue, String(r.backlog), String(r.workers), `${r.minReplicas}-${r.maxReplicas}`, String(r.recommended), r.reason]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

export const scaleCommand: Command = {
  name: 'scale',
  summary: "Recommend each worker deployment's replicas from its task queue's backlog",
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        json: { type: 'boolean' },
        run: { type: 'boolean' },
        for: { type: 'string' },
        interval: { type: 'string' },
        queue: { type: 'string', multiple: true },
        targets: { type: 'string' },
      },
      USAGE,
    );
    if (values.help) return void console.log(USAGE);
    const runOnly = (['for', 'interval', 'queue', 'targets'] as const).filter((o) => values[o] !== undefined);
    if (!values.run && runOnly.length > 0) throw new CliError(`--${runOnly[0]} needs --run\n\n${USAGE}`);
    const config = loadConfig();
    if (values.run) {
      if (values.for === undefined) throw new CliError(`--run needs --for SECONDS (the scaler always stops by itself)\n\n${USAGE}`);
      return runScaler(config, {
        seconds: positiveInt(values.for, 'for', 0),
        intervalSeconds: positiveInt(values.interval, 'interval', DEFAULT_INTERVAL_S),
        queues: parseQueues(values.queue),
        targetsFile: values.targets,
        json: values.json ?? false,
      });
    }
    let client: Client;
    try {
      client = await connectClient(config);
    } catch (err) {
      throw new CliError(`cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${(err as Error).message}`);
    }
    let loads: QueueLoad[];
    try {
      loads = await readQueueLoads(client, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE_PREFIX);
    } catch (err) {
      throw new CliError(`cannot read the task queues' backlog from Temporal: ${(err as Error).message}`);
    } finally {
      await client.connection.close();
    }
    const rows = loads.map(toRow);
    console.log(values.json ? JSON.stringify(rows, null, 2) : table(rows));
  },
};
