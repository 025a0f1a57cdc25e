import type { Client } from '@temporalio/client';
import { innermostMessage } from '../../domain/error-messages.js';
import { TASK_QUEUES, taskQueueName } from '../../domain/task-queues.js';
import { loadConfig } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { QUEUE_LAYOUT } from '../../workers/queue-layout.js';
import { SystemProbeWorkflow } from '../../workflows/index.js';
import { parseCommandArgs, positiveInt } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';
import { stackPaths } from '../stack/paths.js';
import { readRunscStatus, type RunscStatus } from '../stack/runsc-binary.js';

const USAGE = `usage: golden doctor [--timeout <seconds>]

Checks the deployment from Temporal's side: every task queue has live pollers
for what it runs (workflows, activities), and a SystemProbeWorkflow started on
the orchestrator queue reaches Docker through the sandbox queue's worker.
Exits non-zero, listing each problem, if anything is missing.`;

// Pollers long-poll for up to a minute; one not seen for two has gone away.
const LIVE_POLLER_MS = 120_000;
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

async function livePollers(client: Client, namespace: string, queue: string, kind: keyof typeof TASK_QUEUE_TYPE): Promise<number> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: queue },
    taskQueueType: TASK_QUEUE_TYPE[kind],
  });
  const now = Date.now();
  return (pollers ?? []).filter((p) => now - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < LIVE_POLLER_MS).length;
}

/** Why the daemon lacks runsc, from what `golden stack up` recorded on this machine (sandboxes then run on runc alone). */
function whyNoGvisor(): string {
  let status: RunscStatus | undefined;
  try {
    status = readRunscStatus(stackPaths());
  } catch (err) {
    return `the recorded gVisor status is unreadable: ${(err as Error).message}`;
  }
  if (status === undefined) return 'no gVisor status recorded on this machine (`golden stack up` records one)';
  return status.available
    ? `runsc is ready (${status.path}, platform ${status.platform}) but this daemon does not list it: run \`golden stack restart docker\``
    : `gVisor is unavailable: ${status.reason}`;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check that every task queue has workers and the sandbox worker reaches Docker',
  async run(args) {
    const { values } = parseCommandArgs(args, { timeout: { type: 'string' } }, USAGE);
    if (values.help) return void console.log(USAGE);
    const timeoutSeconds = positiveInt(values.timeout, 'timeout', 30);
    const config = loadConfig();
    let client: Client;
    try {
      client = await connectClient(config);
    } catch (err) {
      throw new CliError(`cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${(err as Error).message}`);
    }
    const problems: string[] = [];
    try {
      for (const queue of TASK_QUEUES) {
        const name = taskQueueName(queue, config.TEMPORAL_TASK_QUEUE_PREFIX);
        const wanted = (['workflow', 'activity'] as const).filter((kind) =>
          kind === 'workflow' ? QUEUE_LAYOUT[queue].workflows : QUEUE_LAYOUT[queue].activities.length > 0,
        );
        const counts = await Promise.all(wanted.map(async (kind) => [kind, await livePollers(client, config.TEMPORAL_NAMESPACE, name, kind)] as const));
        console.log(`queue ${name.padEnd(24)} ${counts.map(([kind, n]) => `${kind} pollers: ${n}`).join(', ')}`);
        for (const [kind, n] of counts) if (n === 0) problems.push(`no live ${kind} worker polls task queue ${name}`);
      }
      if (problems.length === 0) {
        const workflowId = `system-probe-${Date.now()}`;
        try {
          const result = await client.workflow.execute(SystemProbeWorkflow, {
            taskQueue: taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX),
            workflowId,
            workflowExecutionTimeout: `${timeoutSeconds}s`,
          });
          const { dockerVersion, runtimes, gvisor } = result.sandbox;
          console.log(`sandbox  Docker ${dockerVersion}, runtimes: ${runtimes.join(', ')}; gVisor (runsc): ${gvisor ? 'yes' : 'no'}`);
          if (!gvisor) console.log(`         ${whyNoGvisor()}`);
        } catch (err) {
          problems.push(`${workflowId} failed: ${innermostMessage(err)}`);
        }
      }
    } finally {
      await client.connection.close();
    }
    if (problems.length > 0) throw new CliError(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    console.log('all checks passed');
  },
};
