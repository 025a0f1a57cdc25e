import { ActivityCancellationType, ApplicationFailure, sleep, workflowInfo } from '@temporalio/workflow';
import type { SandboxRunCompleted, SandboxRunResult } from '../activities/sandbox.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../domain/failures.js';
import type { SandboxRunRequest } from '../domain/sandbox.js';
import { siblingTaskQueue } from '../domain/task-queues.js';
import { waitingActivities } from './durable-wait.js';

export interface SandboxStepOptions {
  /** The run's wall-clock limit in the worker's config, plus margin: the activity's start-to-close timeout. */
  startToCloseTimeout?: string;
  /** Longest total time spent waiting on the rate limit before the step gives up (a plain error). */
  maxRateLimitWaitMs?: number;
  /** The sandbox queue; by default the sibling of the workflow's own queue. */
  taskQueue?: string;
}

const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 6 * 60 * 60 * 1000;

function sandboxActivities(options: SandboxStepOptions) {
  // A run repeated after a wait on the Docker breaker is what a Temporal retry of it would be: same run id.
  return waitingActivities({
    taskQueue: options.taskQueue ?? siblingTaskQueue(workflowInfo().taskQueue, 'sandbox'),
    startToCloseTimeout: options.startToCloseTimeout ?? '15 minutes',
    // The activity heartbeats every 2 s; the SDK sends them at most every 0.8 × this timeout, and a
    // cancellation reaches the activity only with a heartbeat's answer: a short timeout kills a cancelled run fast.
    heartbeatTimeout: '5s',
    // The workflow's cancellation completes only once the activity has killed the container.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    scheduleToStartTimeout: '1 hour',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES },
  });
}

/**
 * Asks for a sandbox run until it is admitted. Over the tenant's rate limit
 * the activity returns how long to wait; the step sleeps on a durable timer
 * and asks again, so waiting survives worker restarts and never consumes a
 * retry attempt (each ask is a new activity whose attempt counter starts at 1).
 */
async function untilAdmitted(run: () => Promise<SandboxRunResult>, what: string, tenantId: string, maxWait: number): Promise<SandboxRunCompleted> {
  let waited = 0;
  for (;;) {
    const result = await run();
    if (result.status === 'completed') return result;
    if (waited + result.waitMs > maxWait) {
      // An ApplicationFailure fails the run; a plain Error would only fail (and retry) the workflow task.
      throw ApplicationFailure.nonRetryable(`${what} waited ${waited} ms on tenant ${tenantId}'s rate limit and would wait ${result.waitMs} ms more (limit ${maxWait} ms)`, 'SandboxRateLimitWaitExceeded');
    }
    waited += result.waitMs;
    await sleep(result.waitMs);
  }
}

/** Runs one sandbox execution from a workflow on the orchestrator (or any) queue. */
export async function runSandboxStep(request: SandboxRunRequest, options: SandboxStepOptions = {}): Promise<SandboxRunCompleted> {
  const { runSandbox } = sandboxActivities(options);
  return untilAdmitted(() => runSandbox(request), `sandbox run ${request.runId}`, request.tenantId, options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS);
}

/** Runs a stored solution's tests in the sandbox; the code is read from Postgres by the activity, never carried in the history. */
export async function runSolutionTestsStep(
  args: { taskId: string; tenantId: string; solutionId: string; runId: string; language: 'python' | 'javascript' },
  options: SandboxStepOptions = {},
): Promise<SandboxRunCompleted> {
  const { runSolutionTests } = sandboxActivities(options);
  return untilAdmitted(() => runSolutionTests(args), `tests of solution ${args.solutionId}`, args.tenantId, options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS);
}

/**
 * One sandbox run as its own workflow: operators can start it with the
 * `temporal` CLI, and tests drive the step through it.
 */
export async function SandboxRunWorkflow(input: { request: SandboxRunRequest; options?: SandboxStepOptions }): Promise<SandboxRunCompleted> {
  return runSandboxStep(input.request, input.options);
}
