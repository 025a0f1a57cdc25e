import { ActivityCancellationType, ApplicationFailure, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SandboxRunCompleted } from '../activities/sandbox.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../domain/failures.js';
import type { SandboxRunRequest } from '../domain/sandbox.js';
import { siblingTaskQueue } from '../domain/task-queues.js';

export interface SandboxStepOptions {
  /** The run's wall-clock limit in the worker's config, plus margin: the activity's start-to-close timeout. */
  startToCloseTimeout?: string;
  /** Longest total time spent waiting on the rate limit before the step gives up (a plain error). */
  maxRateLimitWaitMs?: number;
}

/**
 * Runs one sandbox execution from a workflow on the orchestrator (or any)
 * queue. Over the tenant's rate limit the activity returns how long to wait;
 * this step sleeps on a durable timer and asks again, so waiting survives
 * worker restarts and never consumes a retry attempt (each ask is a new
 * activity whose attempt counter starts at 1).
 */
export async function runSandboxStep(request: SandboxRunRequest, options: SandboxStepOptions = {}): Promise<SandboxRunCompleted> {
  const { runSandbox } = proxyActivities<Activities>({
    taskQueue: siblingTaskQueue(workflowInfo().taskQueue, 'sandbox'),
    startToCloseTimeout: options.startToCloseTimeout ?? '15 minutes',
    // The activity heartbeats every 2 s; the SDK sends them at most every 0.8 × this timeout, and a
    // cancellation reaches the activity only with a heartbeat's answer: a short timeout kills a cancelled run fast.
    heartbeatTimeout: '5s',
    // The workflow's cancellation completes only once the activity has killed the container.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    scheduleToStartTimeout: '1 hour',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
  });
  const maxWait = options.maxRateLimitWaitMs ?? 6 * 60 * 60 * 1000;
  let waited = 0;
  for (;;) {
    const result = await runSandbox(request);
    if (result.status === 'completed') return result;
    if (waited + result.waitMs > maxWait) {
      // An ApplicationFailure fails the run; a plain Error would only fail (and retry) the workflow task.
      throw ApplicationFailure.nonRetryable(`sandbox run ${request.runId} waited ${waited} ms on tenant ${request.tenantId}'s rate limit and would wait ${result.waitMs} ms more (limit ${maxWait} ms)`, 'SandboxRateLimitWaitExceeded');
    }
    waited += result.waitMs;
    await sleep(result.waitMs);
  }
}

/**
 * One sandbox run as its own workflow: operators can start it with the
 * `temporal` CLI, and tests drive the step through it.
 */
export async function SandboxRunWorkflow(input: { request: SandboxRunRequest; options?: SandboxStepOptions }): Promise<SandboxRunCompleted> {
  return runSandboxStep(input.request, input.options);
}
