import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { callReservation } from '../../domain/budget.js';
import { taskQueueName } from '../../domain/task-queues.js';
import type { Config } from '../../lib/config.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { ensureTask, saveSolution } from '../../lib/task-store.js';
import { PeerReviewWorkflow } from '../../workflows/index.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const fast = testConfig();
// A second deployment whose reviewers answer slower than the review's deadline.
const slow = testConfig({ SCRIPTED_LLM_LATENCY_MS: '4000' });

let client: Client;
let fastWorkers: TestWorkers;
let slowWorkers: TestWorkers;

async function review(config: Config, workers: TestWorkers, description: string, deadlineSeconds = 60) {
  const tenantId = uniqueId('pr').toLowerCase();
  await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, callReservation('reviewer') * 20]);
  const taskId = uniqueId('rev');
  await ensureTask(workers.db, taskId, `task-${taskId}`, { title: 'FizzBuzz', description, language: 'python', tenantId, requestedBy: 'review-test' }, 'running');
  const solutionId = await saveSolution(workers.db, {
    taskId,
    tenantId,
    step: 'develop-1',
    agentRole: 'developer',
    provider: 'scripted',
    model: 'm',
    solution: { summary: 'FizzBuzz', files: [{ path: 'fizzbuzz.py', content: 'def fizzbuzz(n):\n    return str(n)\n' }], tests: [{ path: 'test_fizzbuzz.py', content: 'import unittest\n' }] },
    usage: { promptTokens: 1, completionTokens: 1 },
    attempt: 1,
  });
  const reviewId = `review-${taskId}-1`;
  const result = await client.workflow.execute(PeerReviewWorkflow, {
    taskQueue: taskQueueName('peer-hub', config.TEMPORAL_TASK_QUEUE_PREFIX),
    workflowId: reviewId,
    args: [{ taskId, tenantId, solutionId, deadlineSeconds }],
  });
  const held = await workers.db.query<{ reserved: number }>('SELECT reserved::int FROM budget_limits WHERE tenant_id = $1', [tenantId]);
  assert.deepEqual(held.rows, [{ reserved: 0 }], 'every reviewer call gave back its hold');
  return { result, reviewId, taskId };
}

describe('PeerReviewWorkflow', () => {
  before(async () => {
    await requireServices(fast, ['temporal', 'postgres', 'redis']);
    client = await connectClient(fast);
    fastWorkers = await createTestWorkers(fast, ['peer-hub']);
    slowWorkers = await createTestWorkers(slow, ['peer-hub']);
  });
  after(async () => {
    await fastWorkers?.close();
    await slowWorkers?.close();
    await client?.connection.close();
  });

  it('four reviewers approve: approved, each vote kept, explained and timed', async () => {
    const { result, reviewId, taskId } = await review(fast, fastWorkers, 'fizzbuzz');
    assert.equal(result.outcome, 'approved');
    assert.equal(result.votes, 4);
    assert.match(result.explanation, /^approved: 100% of the weighted votes approve it/);
    for (const role of ['reviewer', 'security', 'architect', 'tester']) assert.match(result.explanation, new RegExp(`- ${role} \\(weight [\\d.]+\\): approve`));
    const { rows: votes } = await fastWorkers.db.query('SELECT role FROM peer_review_votes WHERE review_id = $1 ORDER BY role', [reviewId]);
    assert.deepEqual(votes.map((v) => v.role), ['architect', 'reviewer', 'security', 'tester']);
    const { rows: reviews } = await fastWorkers.db.query('SELECT outcome, explanation FROM peer_reviews WHERE task_id = $1', [taskId]);
    assert.equal(reviews[0]?.outcome, 'approved');
    assert.equal(reviews[0]?.explanation, result.explanation);
  });

  it('a security rejection vetoes three approvals', async () => {
    const { result } = await review(fast, fastWorkers, 'fizzbuzz. scripted-vote: security=reject');
    assert.equal(result.outcome, 'rejected');
    assert.match(result.explanation, /security vetoed it/);
  });

  it('a split no threshold settles is a deadlock', async () => {
    const { result } = await review(fast, fastWorkers, 'fizzbuzz. scripted-vote: architect=request_changes, tester=reject');
    assert.equal(result.outcome, 'deadlock');
    assert.match(result.explanation, /no threshold is met/);
  });

  it('votes missing at the deadline are cancelled, their holds released, and there is no quorum', async () => {
    const { result } = await review(slow, slowWorkers, 'fizzbuzz', 1);
    assert.equal(result.outcome, 'no_quorum');
    assert.equal(result.votes, 0);
    assert.match(result.explanation, /no vote from: reviewer, security, architect, tester/);
  });
});
