import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SandboxRuntimeInfo } from '../activities/sandbox-probe.js';
import { siblingTaskQueue } from '../domain/task-queues.js';

/**
 * Proves the deployment end to end for operators (`golden doctor`): this
 * workflow runs on the orchestrator queue and sends one activity to the
 * sandbox queue, whose worker asks Docker what it offers. Short timeouts and
 * few attempts: a health check should answer quickly, not heal.
 */
export async function SystemProbeWorkflow(): Promise<{ sandbox: SandboxRuntimeInfo }> {
  const sandbox = proxyActivities<Activities>({
    taskQueue: siblingTaskQueue(workflowInfo().taskQueue, 'sandbox'),
    scheduleToStartTimeout: '20s',
    startToCloseTimeout: '20s',
    retry: { maximumAttempts: 2 },
  });
  return { sandbox: await sandbox.probeSandboxRuntime() };
}
