import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { taskQueueName } from '../../domain/task-queues.js';
import type { Config } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { redriveUpdate, discardUpdate, resolveEscalationUpdate, taskProgressQuery } from '../../workflows/messages.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { finishTaskRow } from '../../lib/task-store.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config: Config = testConfig({ TASK_MAX_FIX_ITERATIONS: '3', TASK_MAX_REVIEW_ROUNDS: '2', ESCALATION_DEADLINE_SECONDS: '120' });
// A second deployment whose developer answers slowly enough to be cancelled mid-call.
const slow: Config = testConfig({ SCRIPTED_LLM_LATENCY_MS: '3000' });

let client: Client;
let workers: TestWorkers;
let slowWorkers: TestWorkers;

async function tenantWithLimit(limit: number): Promise<string> {
  const tenantId = uniqueId('pipe').toLowerCase();
  await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, limit]);
  return tenantId;
}

async function budgetOf(tenantId: string): Promise<{ reserved: number; committed: number }> {
  const { rows } = await workers.db.query<{ reserved: number; committed: number }>('SELECT reserved::int, committed::int FROM budget_limits WHERE tenant_id = $1', [tenantId]);
  return rows[0]!;
}

function startTask(description: string, tenantId: string, cfg: Config = config, title = 'FizzBuzz') {
  const taskId = uniqueId('task');
  const handle = client.workflow.start(TaskWorkflow, {
    taskQueue: taskQueueName('orchestrator', cfg.TEMPORAL_TASK_QUEUE_PREFIX),
    workflowId: `task-${taskId}`,
    args: [{ title, description, language: 'python', tenantId, requestedBy: 'pipeline-test' }],
  });
  return { taskId, handle };
}

async function eventKinds(taskId: string): Promise<string[]> {
  const { rows } = await workers.db.query<{ kind: string }>('SELECT kind FROM task_events WHERE task_id = $1 ORDER BY seq', [taskId]);
  return rows.map((r) => r.kind);
}

async function remediations(taskId: string): Promise<string[]> {
  const { rows } = await workers.db.query<{ r: string }>("SELECT detail->>'remediation' AS r FROM task_events WHERE task_id = $1 AND kind = 'remediation' ORDER BY seq", [taskId]);
  return rows.map((r) => r.r);
}

async function escalationStatus(id: string): Promise<string | undefined> {
  const { rows } = await workers.db.query<{ status: string }>('SELECT status FROM escalations WHERE id = $1', [id]);
  return rows[0]?.status;
}

describe('the task pipeline end to end (real Temporal, Postgres, Redis, sandbox; scripted LLM)', () => {
  before(async () => {
    await requireServices(config);
    client = await connectClient(config);
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
    slowWorkers = await createTestWorkers(slow, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
  });
  after(async () => {
    await workers?.close();
    await slowWorkers?.close();
    await client?.connection.close();
  });

  const finishedCount = async (status: string) => (await workers.metrics.tasksFinished.get()).values.find((v) => v.labels.status === status)?.value ?? 0;

  it('happy path: tested in the sandbox, reviewed, approved with an explanation; every hold released', async () => {
    const tenantId = await tenantWithLimit(1_000_000);
    const completedBefore = await finishedCount('completed');
    const { taskId, handle } = startTask('Write fizzbuzz(n).', tenantId);
    const result = await (await handle).result();
    assert.equal(result.status, 'completed');
    assert.equal(result.acceptedBy, 'peer_review');
    assert.equal(await finishedCount('completed') - completedBefore, 1, 'tasks_finished_total counts the task once');
    assert.equal(await finishTaskRow(workers.db, taskId, tenantId, 'completed'), false, 'a repeated finish (a retried activity) is not counted again');
    assert.match(result.review!.explanation, /^approved: /);
    assert.deepEqual(await eventKinds(taskId), ['started', 'solution', 'tests_run', 'security_review', 'guards', 'peer_review', 'finished']);
    const { rows: tasks } = await workers.db.query('SELECT status FROM tasks WHERE id = $1', [taskId]);
    assert.equal(tasks[0]?.status, 'completed');
    const { rows: runs } = await workers.db.query("SELECT count(*)::int AS n FROM sandbox_runs WHERE run_id LIKE $1", [`${taskId}:%`]);
    assert.equal(runs[0]?.n, 1);
    const budget = await budgetOf(tenantId);
    assert.equal(budget.reserved, 0);
    assert.ok(budget.committed > 0);
  });

  it('each guard leads to its remediation: failing tests → fix, missing tests → tester, security not approved → fix', async () => {
    const tenantId = await tenantWithLimit(2_000_000);
    const cases = [
      { description: 'Write fizzbuzz(n). scripted-develop: failing-tests', expect: ['fix_failing_tests'] },
      { description: 'Write fizzbuzz(n). scripted-develop: no-tests', expect: ['generate_tests'] },
      { description: 'Write fizzbuzz(n). scripted-security: reject-once', expect: ['security_review'] },
    ];
    const started = cases.map((c) => ({ ...c, ...startTask(c.description, tenantId) }));
    for (const c of started) {
      const result = await (await c.handle).result();
      assert.equal(result.status, 'completed', c.description);
      assert.deepEqual(await remediations(c.taskId), c.expect, c.description);
    }
    assert.equal((await budgetOf(tenantId)).reserved, 0);
  });

  it('deadlock → escalation → the supervisor\'s synthesis is applied on its own', async () => {
    const tenantId = await tenantWithLimit(1_000_000);
    const { taskId, handle } = startTask('Write fizzbuzz(n). scripted-vote: reviewer=approve, security=approve, architect=reject, tester=reject', tenantId);
    const result = await (await handle).result();
    assert.equal(result.acceptedBy, 'supervisor');
    assert.equal(await escalationStatus(`escalation-${taskId}-1`), 'auto_applied');
    const { rows } = await workers.db.query("SELECT reason, synthesis->>'confidence' AS c FROM escalations WHERE task_id = $1", [taskId]);
    assert.deepEqual(rows, [{ reason: 'review_deadlock', c: '0.9' }]);
  });

  it('security veto → escalation that needs a human; malformed decisions refused, update ids deduplicated; a revise leads to a second escalation, accepted by a human', async () => {
    const tenantId = await tenantWithLimit(2_000_000);
    const { taskId, handle } = startTask('Write fizzbuzz(n). scripted-vote: security=reject', tenantId);
    const task = await handle;
    const first = client.workflow.getHandle(`escalation-${taskId}-1`);
    await waitFor('the first escalation to wait for a human', async () => ((await escalationStatus(first.workflowId)) === 'awaiting_human' ? true : undefined), 90_000);
    assert.equal((await task.query(taskProgressQuery)).status, 'escalated');
    const malformed = await first.executeUpdate(resolveEscalationUpdate, { args: [{ action: 'ship', comment: '', decidedBy: 'ops' } as never] }).catch((e: unknown) => e);
    assert.ok(malformed instanceof WorkflowUpdateFailedError);
    assert.match(String(malformed.cause?.message), /action/);
    const decision = { action: 'revise' as const, comment: 'security has a point', guidance: 'validate the input range', decidedBy: 'ops-lead' };
    const outcome = await first.executeUpdate(resolveEscalationUpdate, { args: [decision], updateId: `${taskId}-d1` });
    const again = await first.executeUpdate(resolveEscalationUpdate, { args: [decision], updateId: `${taskId}-d1` });
    assert.deepEqual(again, outcome, 'the same update id is the same decision');

    const second = client.workflow.getHandle(`escalation-${taskId}-2`);
    await waitFor('the second escalation to wait for a human', async () => ((await escalationStatus(second.workflowId)) === 'awaiting_human' ? true : undefined), 120_000);
    await second.executeUpdate(resolveEscalationUpdate, { args: [{ action: 'accept', comment: 'accepted after a manual check', decidedBy: 'ops-lead' }] });
    const result = await task.result();
    assert.equal(result.acceptedBy, 'human');
    assert.deepEqual(result.escalations, [`escalation-${taskId}-1`, `escalation-${taskId}-2`]);
    const { rows } = await workers.db.query("SELECT status, decided_by, decision->>'action' AS action FROM escalations WHERE task_id = $1 ORDER BY seq", [taskId]);
    assert.deepEqual(rows, [
      { status: 'resolved', decided_by: 'ops-lead', action: 'revise' },
      { status: 'resolved', decided_by: 'ops-lead', action: 'accept' },
    ]);
    assert.equal((await budgetOf(tenantId)).reserved, 0);
  });

  it('budget exhausted → dead letter (the seed\'s runbook SQL finds it) → limit raised → re-drive completes; discard ends the task with its budget released', async () => {
    // Enough for nothing: the developer's reservation is refused and the step is parked.
    const tenantId = await tenantWithLimit(100);
    const { taskId, handle } = startTask('Write fizzbuzz(n).', tenantId);
    const task = await handle;
    const parked = await waitFor('the dead letter', async () => {
      const p = await task.query(taskProgressQuery);
      return p.status === 'dead_lettered' ? p : undefined;
    }, 60_000);
    const { rows: open } = await workers.db.query('SELECT * FROM dlq_messages WHERE resolved = FALSE ORDER BY created_at DESC LIMIT 10');
    const letter = open.find((r) => r.task_id === taskId);
    assert.ok(letter, 'the runbook query lists it');
    assert.equal(Number(letter.id), parked.deadLetterId);
    assert.equal(letter.original_subject, `task-${taskId}/develop-r1i1`);
    assert.equal(letter.error_type, 'BudgetExceededError');
    const { rows: runbook } = await workers.db.query('SELECT original_subject, data FROM dlq_messages WHERE id = $1', [letter.id]);
    assert.equal(runbook[0].data.step, 'develop-r1i1');

    await workers.db.query('UPDATE budget_limits SET total_limit = 2000000 WHERE tenant_id = $1', [tenantId]);
    await task.executeUpdate(redriveUpdate, { args: [{ deadLetterId: parked.deadLetterId!, by: 'ops', comment: 'limit raised' }] });
    const result = await task.result();
    assert.equal(result.status, 'completed');
    const { rows: closed } = await workers.db.query('SELECT resolved, resolution, resolved_by FROM dlq_messages WHERE id = $1', [letter.id]);
    assert.deepEqual(closed, [{ resolved: true, resolution: 'redriven', resolved_by: 'ops' }]);

    const other = await tenantWithLimit(100);
    const discarded = startTask('Write fizzbuzz(n).', other);
    const otherTask = await discarded.handle;
    const parked2 = await waitFor('the second dead letter', async () => {
      const p = await otherTask.query(taskProgressQuery);
      return p.status === 'dead_lettered' ? p : undefined;
    }, 60_000);
    await otherTask.executeUpdate(discardUpdate, { args: [{ deadLetterId: parked2.deadLetterId!, by: 'ops' }] });
    await assert.rejects(otherTask.result(), WorkflowFailedError);
    const { rows: status } = await workers.db.query('SELECT status FROM tasks WHERE id = $1', [discarded.taskId]);
    assert.equal(status[0]?.status, 'discarded');
    assert.deepEqual(await budgetOf(other), { reserved: 0, committed: 0 });
  });

  it('cancel mid-call releases exactly the reservation and records the task cancelled', async () => {
    const tenantId = await tenantWithLimit(1_000_000);
    const { taskId, handle } = startTask('Write fizzbuzz(n).', tenantId, slow);
    const task = await handle;
    await waitFor('the developer call to hold its reservation', async () => ((await budgetOf(tenantId)).reserved > 0 ? true : undefined), 30_000);
    assert.equal((await budgetOf(tenantId)).reserved, 12_000);
    await task.cancel();
    await assert.rejects(task.result(), WorkflowFailedError);
    await waitFor('the hold to be released', async () => ((await budgetOf(tenantId)).reserved === 0 ? true : undefined), 30_000);
    assert.deepEqual(await budgetOf(tenantId), { reserved: 0, committed: 0 });
    const { rows } = await workers.db.query('SELECT status FROM tasks WHERE id = $1', [taskId]);
    assert.equal(rows[0]?.status, 'cancelled');
  });
});
