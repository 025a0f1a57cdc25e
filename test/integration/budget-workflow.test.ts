import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { callReservation } from '../../domain/budget.js';
import { innermostMessage } from '../../domain/error-messages.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { getTaskRow } from '../../lib/task-store.js';
import { ensureSchedules } from '../../workers/schedules.js';
import { BudgetReconcileWorkflow, BudgetSweepWorkflow, TaskWorkflow } from '../../workflows/index.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';
import { waitFor } from '../support/processes.js';
import { discardUpdate, taskProgressQuery } from '../../workflows/messages.js';

const config = testConfig({ BUDGET_SWEEP_INTERVAL_SECONDS: '7', BUDGET_RECONCILE_INTERVAL_SECONDS: '11' });
const taskQueue = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);
const spec = { title: 'FizzBuzz', description: 'budgeted', language: 'python' as const };

let client: Client;
let workers: TestWorkers;

async function tenantWithLimit(limit: number): Promise<string> {
  const tenant = uniqueId('bw').toLowerCase();
  await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenant, limit]);
  return tenant;
}

describe('budgets in the task workflow', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    client = await connectClient(config);
    // A task runs on every queue: sandbox tests, peer review and escalations have their own workers.
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
  });
  after(async () => {
    await workers?.close();
    await client?.connection.close();
  });

  it('reserves before each call, commits the real usage once, and releases the rest', async () => {
    const tenant = await tenantWithLimit(callReservation('developer') * 20);
    const taskId = uniqueId('paid');
    const workflowId = `task-${taskId}`;
    await client.workflow.execute(TaskWorkflow, { taskQueue, workflowId, args: [{ ...spec, tenantId: tenant, requestedBy: 'budget-test' }] });

    const { rows: solutions } = await workers.db.query("SELECT prompt_tokens + completion_tokens AS used FROM task_solutions WHERE task_id = $1 AND step = 'develop-r1i1'", [taskId]);
    const used = Number(solutions[0].used);
    const { rows: reservations } = await workers.db.query('SELECT state, held::int, consumed::int, amount::int FROM budget_reservations WHERE request_id = $1', [
      `${workflowId}:develop-r1i1`,
    ]);
    assert.deepEqual(reservations, [{ state: 'committed', held: 0, consumed: used, amount: callReservation('developer') }]);
    const { rows: usage } = await workers.db.query('SELECT attempt FROM budget_usage WHERE request_id = $1', [`${workflowId}:develop-r1i1`]);
    assert.deepEqual(usage, [{ attempt: 1 }]);
    // Every call of the task (developer, security, four reviewers) was charged once; nothing is left held.
    const { rows: all } = await workers.db.query('SELECT count(*)::int AS calls, sum(consumed)::int AS consumed FROM budget_reservations WHERE tenant_id = $1', [tenant]);
    assert.equal(all[0].calls, 6);
    const { rows: limits } = await workers.db.query('SELECT reserved::int, committed::int FROM budget_limits WHERE tenant_id = $1', [tenant]);
    assert.deepEqual(limits, [{ reserved: 0, committed: all[0].consumed }]);
  });

  it('parks the task before any LLM call when the budget cannot cover it; a discard ends it with nothing charged', async () => {
    const tenant = await tenantWithLimit(100);
    const taskId = uniqueId('broke');
    const handle = await client.workflow.start(TaskWorkflow, { taskQueue, workflowId: `task-${taskId}`, args: [{ ...spec, tenantId: tenant, requestedBy: 'budget-test' }] });
    const parked = await waitFor('the dead letter', async () => {
      const p = await handle.query(taskProgressQuery);
      return p.status === 'dead_lettered' ? p : undefined;
    }, 60_000);
    const { rows: letters } = await workers.db.query('SELECT error, error_type FROM dlq_messages WHERE task_id = $1', [taskId]);
    assert.equal(letters[0].error_type, 'BudgetExceededError');
    assert.match(letters[0].error, /cannot cover 12000 tokens \(100 remaining\)/);
    await handle.executeUpdate(discardUpdate, { args: [{ deadLetterId: parked.deadLetterId!, by: 'budget-test' }] });
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && /discarded by budget-test/.test(innermostMessage(err)));
    const row = await getTaskRow(workers.db, taskId);
    assert.equal(row?.status, 'discarded');
    const { rows } = await workers.db.query('SELECT count(*)::int AS n FROM task_solutions WHERE task_id = $1', [taskId]);
    assert.equal(rows[0].n, 0, 'no LLM call was made');
    const { rows: held } = await workers.db.query('SELECT reserved::int, committed::int FROM budget_limits WHERE tenant_id = $1', [tenant]);
    assert.deepEqual(held, [{ reserved: 0, committed: 0 }]);
  });

  it('runs the sweep and the reconciliation as workflows, and keeps their schedules idempotent', async () => {
    const swept = await client.workflow.execute(BudgetSweepWorkflow, { taskQueue, workflowId: uniqueId('sweep') });
    assert.ok(swept.expired >= 0 && swept.periodsRolled >= 0);
    const reconciled = await client.workflow.execute(BudgetReconcileWorkflow, { taskQueue, workflowId: uniqueId('reconcile') });
    assert.ok(reconciled.tenantsChecked >= 2);
    assert.equal(reconciled.violations, 0);

    const ids = await ensureSchedules(client, config);
    assert.deepEqual(await ensureSchedules(client, config), ids, 'a second call updates instead of failing');
    try {
      const sweep = await client.schedule.getHandle(ids[0]!).describe();
      assert.equal(sweep.action.type, 'startWorkflow');
      assert.equal(sweep.action.type === 'startWorkflow' && sweep.action.workflowType, 'BudgetSweepWorkflow');
      assert.equal(sweep.spec.intervals?.[0]?.every, 7_000);
      const reconcile = await client.schedule.getHandle(ids[1]!).describe();
      assert.equal(reconcile.spec.intervals?.[0]?.every, 11_000);
    } finally {
      for (const id of ids) await client.schedule.getHandle(id).delete();
    }
  });
});
