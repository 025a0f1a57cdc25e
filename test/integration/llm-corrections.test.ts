import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { callReservation, usageAttempt } from '../../domain/budget.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { taskCost } from '../../lib/llm-calls.js';
import { SCRIPTED_MODEL } from '../../lib/llm/scripted-provider.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { getTaskRow } from '../../lib/task-store.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

// Priced, so the test also proves that every round's tokens reach the task's cost.
const PRICE = { prompt: 2, completion: 8 };
const config = testConfig({ LLM_CORRECTIVE_RETRIES: '2', LLM_PRICES: JSON.stringify({ [SCRIPTED_MODEL]: PRICE }) });
const taskQueue = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);

let client: Client;
let workers: TestWorkers;

async function runTask(description: string) {
  const tenantId = uniqueId('lc').toLowerCase();
  await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, callReservation('developer') * 10]);
  const taskId = uniqueId('corr');
  const workflowId = `task-${taskId}`;
  const run = client.workflow.execute(TaskWorkflow, {
    taskQueue,
    workflowId,
    args: [{ title: 'FizzBuzz', description, language: 'python', tenantId, requestedBy: 'corrections-test' }],
  });
  return { run, taskId, tenantId, requestId: `${workflowId}:develop-1` };
}

async function calls(requestId: string) {
  const { rows } = await workers.db.query<{ usage_attempt: number; outcome: string; reject_reason: string | null; tokens: number; cost_usd: string }>(
    `SELECT usage_attempt, outcome, reject_reason, prompt_tokens + completion_tokens AS tokens, cost_usd
     FROM llm_calls WHERE request_id = $1 ORDER BY usage_attempt`,
    [requestId],
  );
  return rows;
}

describe('rejected answers are asked again with a correction, within the budget', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    client = await connectClient(config);
    workers = await createTestWorkers(config, ['orchestrator']);
  });
  after(async () => {
    await workers?.close();
    await client?.connection.close();
  });

  it('recovers from a broken answer: both rounds charged once under their own keys and costed', async () => {
    const { run, taskId, tenantId, requestId } = await runTask('fizzbuzz(n) for 1..100. scripted-misbehave: invalid-json x1');
    const result = await run;
    assert.equal(result.solution.rounds, 2);

    const rows = await calls(requestId);
    assert.deepEqual(
      rows.map((r) => [r.usage_attempt, r.outcome, r.reject_reason]),
      [
        [usageAttempt(1, 0), 'rejected', 'invalid_json'],
        [usageAttempt(1, 1), 'accepted', null],
      ],
    );
    const { rows: usage } = await workers.db.query<{ attempt: number; tokens: string }>('SELECT attempt, tokens FROM budget_usage WHERE request_id = $1 ORDER BY attempt', [requestId]);
    assert.deepEqual(usage.map((u) => [u.attempt, Number(u.tokens)]), rows.map((r) => [r.usage_attempt, Number(r.tokens)]));
    const spent = rows.reduce((sum, r) => sum + Number(r.tokens), 0);
    const { rows: limits } = await workers.db.query('SELECT reserved::int, committed::int FROM budget_limits WHERE tenant_id = $1', [tenantId]);
    assert.deepEqual(limits, [{ reserved: 0, committed: spent }], 'nothing is left held, every round is charged');

    const cost = await taskCost(workers.db, taskId, tenantId);
    assert.equal(cost.calls, 2);
    assert.equal(cost.rejectedCalls, 1);
    assert.equal(cost.tokens, spent);
    assert.equal(cost.unpricedCalls, 0);
    assert.ok(Math.abs(cost.costUsd - (result.solution.costUsd ?? -1)) < 1e-9, `${cost.costUsd} vs ${result.solution.costUsd}`);
    assert.ok(cost.costUsd > 0);
  });

  it('fails for good as LlmAnswerRejectedError after the last correction, releasing the hold', async () => {
    const { run, taskId, tenantId, requestId } = await runTask('fizzbuzz. scripted-misbehave: injected-instructions x3');
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const cause = err.cause?.cause;
      assert.ok(cause instanceof ApplicationFailure, `cause is ${String(cause)}`);
      assert.equal(cause.type, 'LlmAnswerRejectedError');
      assert.equal(cause.nonRetryable, true);
      return true;
    });
    const rows = await calls(requestId);
    assert.deepEqual(rows.map((r) => [r.usage_attempt, r.outcome, r.reject_reason]), [
      [1, 'rejected', 'injection'],
      [2, 'rejected', 'injection'],
      [3, 'rejected', 'injection'],
    ], 'three rounds, one activity attempt: the failure is not retried');
    const { rows: reservation } = await workers.db.query('SELECT state, held::int FROM budget_reservations WHERE request_id = $1', [requestId]);
    assert.deepEqual(reservation, [{ state: 'committed', held: 0 }]);
    const { rows: limits } = await workers.db.query('SELECT reserved::int FROM budget_limits WHERE tenant_id = $1', [tenantId]);
    assert.deepEqual(limits, [{ reserved: 0 }]);
    const task = await getTaskRow(workers.db, taskId);
    assert.equal(task?.status, 'failed');
    assert.match(task?.error ?? '', /rejected 3 time\(s\); last reason injection/);
  });
});
