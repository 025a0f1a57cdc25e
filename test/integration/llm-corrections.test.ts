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
import { waitFor } from '../support/processes.js';
import { discardUpdate, taskProgressQuery } from '../../workflows/messages.js';

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
  return { run, taskId, tenantId, requestId: `${workflowId}:develop-r1i1` };
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
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
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
    const { rows: reservation } = await workers.db.query('SELECT state, held::int, consumed::int FROM budget_reservations WHERE request_id = $1', [requestId]);
    assert.deepEqual(reservation, [{ state: 'committed', held: 0, consumed: spent }], 'both rounds are charged, nothing is left held');

    // The whole task (developer, security review, four votes) is charged once per round, and costed.
    const cost = await taskCost(workers.db, taskId, tenantId);
    const { rows: limits } = await workers.db.query('SELECT reserved::int, committed::int FROM budget_limits WHERE tenant_id = $1', [tenantId]);
    assert.deepEqual(limits, [{ reserved: 0, committed: cost.tokens }], 'nothing is left held, every round is charged');
    assert.equal(cost.calls, 7);
    assert.equal(cost.rejectedCalls, 1);
    assert.equal(cost.unpricedCalls, 0);
    const developerCost = rows.reduce((sum, r) => sum + Number(r.cost_usd), 0);
    assert.ok(Math.abs(developerCost - (result.solution.costUsd ?? -1)) < 1e-9, `${developerCost} vs ${result.solution.costUsd}`);
    assert.ok(cost.costUsd > developerCost);
  });

  it('after the last correction the step fails as LlmAnswerRejectedError: the task is parked as a dead letter with the hold released', async () => {
    const { run, taskId, tenantId, requestId } = await runTask('fizzbuzz. scripted-misbehave: injected-instructions x3');
    run.catch(() => undefined);
    const handle = client.workflow.getHandle(`task-${taskId}`);
    const parked = await waitFor('the dead letter', async () => {
      const p = await handle.query(taskProgressQuery);
      return p.status === 'dead_lettered' ? p : undefined;
    }, 60_000);
    const { rows: letters } = await workers.db.query('SELECT error, error_type, attempts FROM dlq_messages WHERE id = $1', [parked.deadLetterId]);
    assert.equal(letters[0].error_type, 'LlmAnswerRejectedError');
    assert.match(letters[0].error, /rejected 3 time\(s\); last reason injection/);
    assert.equal(letters[0].attempts, 1, 'not retried: the failure is non-retryable');
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

    await handle.executeUpdate(discardUpdate, { args: [{ deadLetterId: parked.deadLetterId!, by: 'corrections-test' }] });
    await assert.rejects(run, (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'TaskDiscardedError');
    const task = await getTaskRow(workers.db, taskId);
    assert.equal(task?.status, 'discarded');
  });
});
