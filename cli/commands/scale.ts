import type { Client } from '@temporalio/client';
import { deploymentName } from '../../domain/deployment.js';
import { recommendReplicas, WORKER_SCALING, type ScalingRecommendation } from '../../domain/scaling.js';
import { loadConfig } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { parseCommandArgs } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';
import { readQueueLoads, type QueueLoad } from '../scaling/queue-load.js';

const USAGE = `usage: golden scale [--json]

Reads each task queue's approximate backlog and live workers from Temporal
(DescribeTaskQueue with stats) and prints the replicas domain/scaling.ts
recommends for its worker deployment: the rule the generated
HorizontalPodAutoscalers follow (k8s/hpa-configs.yaml), on the backlog signal.
The other seed triggers (active tasks, p95 consensus time, unresolved
escalations) are Prometheus series that only the in-cluster autoscalers read.

--json  one object per deployment instead of the table.`;

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
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } }, USAGE);
    if (values.help) return void console.log(USAGE);
    const config = loadConfig();
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
