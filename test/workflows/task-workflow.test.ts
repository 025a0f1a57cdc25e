import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import type { SolutionSummary } from '../../domain/schemas/task.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { workflowSource } from '../../workers/workflow-source.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { quietRuntime } from '../support/workers.js';

const config = testConfig();
const taskQueue = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);
const input = { title: 'FizzBuzz', description: 'fizz', language: 'python', tenantId: 'wf-tenant', requestedBy: 'tester' };
const solution: SolutionSummary = { solutionId: 's-1', summary: 'done', files: ['a.py'], tests: ['test_a.py'], model: 'm', provider: 'p' };

type Finished = Parameters<Activities['recordTaskFinished']>[0];

/** Fake activities that record what the workflow asked of them. */
function fakes(generate: Activities['generateSolution']) {
  const finished: Finished[] = [];
  const started: string[] = [];
  const budget: string[] = [];
  const activities: Partial<Activities> = {
    recordTaskStarted: async (args) => void started.push(args.taskId),
    recordTaskFinished: async (args) => void finished.push(args),
    reserveBudget: async (args) => {
      budget.push(`reserve ${args.requestId} ${args.amount}`);
      return { ...args, granted: true, remaining: 1_000_000, expiresAt: null, replayed: false };
    },
    releaseBudget: async (args) => {
      budget.push(`release ${args.requestId}`);
      return { requestId: args.requestId, released: 0, state: 'committed' };
    },
    generateSolution: generate,
  };
  return { activities, finished, started, budget };
}

let env: TestWorkflowEnvironment;

async function withWorker<T>(activities: Partial<Activities>, fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, activities, ...workflowSource() });
  return worker.runUntil(fn);
}

describe('TaskWorkflow', () => {
  before(async () => {
    await requireServices(config, ['temporal']);
    quietRuntime();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  });
  after(async () => env?.teardown());

  it('generates a solution and records the task completed, with search attributes', async () => {
    const { activities, finished, started, budget } = fakes(async () => solution);
    const workflowId = `task-${uniqueId('ok')}`;
    const result = await withWorker(activities, () => env.client.workflow.execute(TaskWorkflow, { taskQueue, workflowId, args: [input] }));
    assert.deepEqual(result, { taskId: workflowId.slice(5), tenantId: 'wf-tenant', status: 'completed', solution });
    assert.deepEqual(started, [workflowId.slice(5)]);
    assert.deepEqual(budget, [`reserve ${workflowId}:develop-1 12000`, `release ${workflowId}:develop-1`]);
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.status, 'completed');
    const description = await env.client.workflow.getHandle(workflowId).describe();
    assert.deepEqual(description.searchAttributes.TaskStatus, ['completed']);
    assert.deepEqual(description.searchAttributes.TenantId, ['wf-tenant']);
  });

  it('fails the task without calling the agent when the budget is exhausted', async () => {
    let agentCalls = 0;
    const { activities, finished } = fakes(async () => {
      agentCalls += 1;
      return solution;
    });
    activities.reserveBudget = async (args) => {
      throw ApplicationFailure.nonRetryable(`tenant ${args.tenantId} cannot cover ${args.amount} tokens (5 remaining)`, 'BudgetExceededError');
    };
    const workflowId = `task-${uniqueId('broke')}`;
    const error = await withWorker(activities, () => env.client.workflow.execute(TaskWorkflow, { taskQueue, workflowId, args: [input] }).catch((e: unknown) => e));
    assert.ok(error instanceof WorkflowFailedError);
    assert.equal(agentCalls, 0);
    // The release after a denied reservation finds nothing to give back, harmlessly.
    assert.deepEqual(finished.map((f) => f.status), ['failed']);
    assert.match(finished[0]!.error!, /cannot cover 12000 tokens/);
  });

  it('fails bad input at once with a non-retryable InvalidInputError naming the fields', async () => {
    const { activities, started } = fakes(async () => solution);
    const workflowId = `task-${uniqueId('bad')}`;
    const error = await withWorker(activities, () =>
      env.client.workflow.execute(TaskWorkflow, { taskQueue, workflowId, args: [{ title: '', language: 'cobol' } as never] }).catch((e: unknown) => e),
    );
    assert.ok(error instanceof WorkflowFailedError);
    assert.ok(error.cause instanceof ApplicationFailure);
    assert.equal(error.cause.type, 'InvalidInputError');
    assert.equal(error.cause.nonRetryable, true);
    for (const field of ['title', 'description', 'language', 'tenantId', 'requestedBy']) assert.match(error.cause.message, new RegExp(field));
    assert.deepEqual(started, []);
  });

  it('refuses workflow ids that are not task-<id>', async () => {
    const { activities } = fakes(async () => solution);
    const error = await withWorker(activities, () =>
      env.client.workflow.execute(TaskWorkflow, { taskQueue, workflowId: uniqueId('notask'), args: [input] }).catch((e: unknown) => e),
    );
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /TaskWorkflow ids are task-<id>/);
  });

  it('records the innermost cause when the agent fails for good', async () => {
    const { activities, finished, budget } = fakes(async () => {
      throw ApplicationFailure.nonRetryable('task row is gone', 'NotFoundError');
    });
    const workflowId = `task-${uniqueId('fail')}`;
    const error = await withWorker(activities, () => env.client.workflow.execute(TaskWorkflow, { taskQueue, workflowId, args: [input] }).catch((e: unknown) => e));
    assert.ok(error instanceof WorkflowFailedError);
    assert.deepEqual(finished.map((f) => [f.status, f.error]), [['failed', 'task row is gone']]);
    assert.equal(budget.filter((b) => b.startsWith('release')).length, 1, 'the hold is released when the call fails');
  });

  it('records a cancelled task from a non-cancellable scope', async () => {
    let entered!: () => void;
    const inAgent = new Promise<void>((resolve) => (entered = resolve));
    const { activities, finished, budget } = fakes(async () => {
      entered();
      // Never answers by itself: the workflow is cancelled meanwhile, and worker shutdown aborts this.
      const signal = Context.current().cancellationSignal;
      return new Promise<SolutionSummary>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    const workflowId = `task-${uniqueId('cancel')}`;
    await withWorker(activities, async () => {
      const handle = await env.client.workflow.start(TaskWorkflow, { taskQueue, workflowId, args: [input] });
      await inAgent;
      await handle.cancel();
      await assert.rejects(handle.result(), WorkflowFailedError);
    });
    assert.deepEqual(finished.map((f) => f.status), ['cancelled']);
    assert.equal(budget.filter((b) => b.startsWith('release')).length, 1, 'the hold is released when the task is cancelled');
  });
});
