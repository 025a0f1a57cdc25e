import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { AgentRole } from '../../domain/agent-roles.js';
import { promptWorkflowId, type PromptDecision } from '../../domain/governance.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { activePrompt, rollbackPrompt } from '../../lib/governance.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { approvePromptUpdate, promptUpdateStateQuery, rejectPromptUpdate } from '../../workflows/messages.js';
import { PromptApprovalWorkflow } from '../../workflows/index.js';
import { resetRole } from '../support/governance.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { waitFor } from '../support/processes.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const run = promisify(execFile);
// Deadlines in seconds, so every path (warning, expiry, psql approval) runs within the test.
const config = testConfig({ PROMPT_APPROVAL_TTL_SECONDS: '6', PROMPT_APPROVAL_WARN_SECONDS: '2', PROMPT_RECHECK_SECONDS: '1' });
const taskQueue = taskQueueName('supervisor', config.TEMPORAL_TASK_QUEUE_PREFIX);
const admin: PromptDecision = { actor: 'admin-user', userRole: 'admin', comment: 'Approved after review' };

let client: Client;
let workers: TestWorkers;

function start(agentRole: AgentRole, body = `a better prompt ${uniqueId('b')}`) {
  const updateId = uniqueId('pu');
  return client.workflow
    .start(PromptApprovalWorkflow, {
      taskQueue,
      workflowId: promptWorkflowId(updateId),
      args: [{ updateId, agentRole, body, reason: 'learned from recent tasks', source: 'operator', proposedBy: 'workflow-test' }],
    })
    .then((handle) => ({ handle, updateId }));
}

async function pending(handle: Awaited<ReturnType<typeof start>>['handle']) {
  return waitFor('the update to wait for a human', async () => ((await handle.query(promptUpdateStateQuery)).status === 'pending_approval' ? true : undefined), 15_000, 100);
}

describe('PromptApprovalWorkflow', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres']);
    client = await connectClient(config);
    workers = await createTestWorkers(config, ['supervisor']);
  });
  after(async () => {
    for (const role of ['developer', 'security', 'architect'] as const) await resetRole(workers.db, role);
    await workers?.close();
    await client?.connection.close();
  });
  beforeEach(async () => {
    for (const role of ['developer', 'security', 'architect'] as const) await resetRole(workers.db, role);
  });

  it('auto-applies a safe role’s update within its rules; agents use it from their next call; rollback restores the old one', async () => {
    const before = await activePrompt(workers.db, 'developer');
    const { handle } = await start('developer', 'Prefer small pure functions.');
    const result = await handle.result();
    assert.equal(result.status, 'applied');
    const now = await activePrompt(workers.db, 'developer');
    assert.equal(now.version, result.appliedVersion);
    assert.equal(now.body, 'Prefer small pure functions.');
    assert.equal(await rollbackPrompt(workers.db, 'developer', 'ops'), before.version);
    assert.equal((await activePrompt(workers.db, 'developer')).body, before.body);
  });

  it('waits for a human approve update, which applies it and ends the workflow', async () => {
    const { handle } = await start('security');
    await pending(handle);
    assert.equal(await handle.executeUpdate(approvePromptUpdate, { args: [admin] }), 'applied');
    const result = await handle.result();
    assert.equal(result.status, 'applied');
    const { rows } = await workers.db.query('SELECT decided_by, decision_comment FROM prompt_updates WHERE id = $1', [result.updateId]);
    assert.deepEqual(rows, [{ decided_by: 'admin-user', decision_comment: 'Approved after review' }]);
  });

  it('ends rejected on a reject update, and refuses decisions once final', async () => {
    const { handle } = await start('architect');
    await pending(handle);
    assert.equal(await handle.executeUpdate(rejectPromptUpdate, { args: [{ actor: 'admin-user', userRole: 'admin', comment: 'too broad' }] }), 'rejected');
    assert.equal((await handle.result()).status, 'rejected');
  });

  it('validators refuse malformed decisions and deciders without prompt:approve, before anything is recorded', async () => {
    const { handle, updateId } = await start('security');
    await pending(handle);
    for (const bad of [{ actor: '', userRole: 'admin' }, { actor: 'x', userRole: 'emperor' }, { actor: 'op', userRole: 'operator' }, { actor: 'x', userRole: 'admin', extra: 1 }]) {
      await assert.rejects(handle.executeUpdate(approvePromptUpdate, { args: [bad as PromptDecision] }), WorkflowUpdateFailedError, JSON.stringify(bad));
    }
    const { rows } = await workers.db.query('SELECT status, decided_by FROM prompt_updates WHERE id = $1', [updateId]);
    assert.deepEqual(rows, [{ status: 'pending_approval', decided_by: null }]);
    await handle.executeUpdate(rejectPromptUpdate, { args: [admin] });
    await handle.result();
  });

  it('an approval made in psql with the seed’s function completes the waiting workflow', async () => {
    const { handle, updateId } = await start('security');
    await pending(handle);
    await run('psql', [config.DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-c', `SELECT approve_prompt_update('${updateId}', 'admin-user', 'Approved after review');`]);
    const result = await handle.result();
    assert.equal(result.status, 'applied');
  });

  it('warns when approval is overdue, then expires the update at its deadline', async () => {
    const { handle } = await start('security');
    const result = await handle.result();
    assert.equal(result.status, 'expired');
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    assert.ok(scheduled.includes('reportOverduePromptApproval'), `activities: ${scheduled.join(', ')}`);
  });

  it('refuses malformed input as a non-retryable InvalidInputError', async () => {
    const updateId = uniqueId('pu');
    const bad = client.workflow.execute(PromptApprovalWorkflow, {
      taskQueue,
      workflowId: promptWorkflowId(updateId),
      args: [{ updateId, agentRole: 'wizard', body: '', reason: 'x', source: 'operator', proposedBy: 'x' }],
    });
    await assert.rejects(bad, (err: unknown) => err instanceof WorkflowFailedError && /agentRole|body/.test(String(err.cause?.message)));
  });
});
