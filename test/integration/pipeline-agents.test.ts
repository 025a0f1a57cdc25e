import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities/index.js';
import type { SandboxRunCompleted, SandboxRunResult } from '../../activities/sandbox.js';
import type { AgentRole } from '../../domain/agent-roles.js';
import { callReservation, type BudgetedRole } from '../../domain/budget.js';
import type { Vote } from '../../domain/consensus.js';
import { openEscalation } from '../../lib/escalation-store.js';
import type { LlmProvider, LlmRequest } from '../../lib/llm/index.js';
import { SECURITY_REVISION_MARKER } from '../../lib/llm/scripted-pipeline.js';
import { createMetrics } from '../../lib/metrics.js';
import { runMigrations } from '../../lib/migrations.js';
import { projectRoot } from '../../lib/paths.js';
import { getSolution, savePeerReview, saveVote } from '../../lib/peer-review-store.js';
import { ensureTask, saveSolution } from '../../lib/task-store.js';
import { SANDBOX_LABELS } from '../../domain/sandbox.js';
import { waitFor } from '../support/processes.js';
import { createActivityDeps } from '../../workers/activity-deps.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig({ SANDBOX_TIMEOUT_SECONDS: '60', LLM_PROVIDER: 'scripted' });

let deps: ReturnType<typeof createActivityDeps>;
let activities: Activities;
/** Every prompt the agents sent, by role: what the model saw is part of what is tested. */
const prompts: Array<{ role: AgentRole; prompt: string }> = [];

type Language = 'python' | 'javascript';

async function newTask(description: string, language: Language = 'python', title = 'FizzBuzz') {
  const tenantId = uniqueId('pa').toLowerCase();
  const taskId = uniqueId('pipe');
  await deps.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, callReservation('supervisor') * 40]);
  await ensureTask(deps.db, taskId, `task-${taskId}`, { tenantId, title, description, language, requestedBy: 'pipeline-agents-test' }, 'running');
  return { taskId, tenantId, language };
}

/** The reservation the workflow makes before each agent call. */
async function reserve(task: { taskId: string; tenantId: string }, step: string, role: BudgetedRole): Promise<string> {
  const requestId = `task-${task.taskId}:${step}`;
  const decision = await deps.budget.reserve({ requestId, tenantId: task.tenantId, amount: callReservation(role) });
  assert.ok(decision.granted);
  return requestId;
}

// The activities fail on purpose in some tests; only errors are worth printing.
const quiet = { logger: new DefaultLogger('ERROR') };

function act<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment({ attempt: 1 }, quiet).run(fn, ...args);
}

/** Runs the solution's tests, waiting out the tenant's rate limit as the workflow does. */
async function runTests(task: { taskId: string; tenantId: string; language: Language }, solutionId: string): Promise<SandboxRunCompleted> {
  const runId = uniqueId('pa-run');
  for (;;) {
    const result: SandboxRunResult = await act(activities.runSolutionTests, { ...task, solutionId, runId });
    if (result.status === 'completed') return result;
    await sleep(result.waitMs);
  }
}

const lastPrompt = (role: AgentRole) => [...prompts].reverse().find((p) => p.role === role)!.prompt;

async function rejectsWith(promise: Promise<unknown>, type: string, message: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, not ${String(err)}`);
    assert.equal(err.type, type);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, message);
    return true;
  });
}

describe('pipeline agent activities (scripted LLM, real Postgres, Redis and sandbox)', () => {
  before(async () => {
    await requireServices(config, ['postgres', 'redis', 'docker']);
    await runMigrations({ databaseUrl: config.DATABASE_OWNER_URL ?? config.DATABASE_URL, migrationsDir: join(projectRoot(), 'migrations') });
    deps = createActivityDeps(config, createMetrics('pipeline-agents-test'), console);
    const recording: LlmProvider = {
      name: deps.llm.name,
      complete: (request: LlmRequest, signal?: AbortSignal) => {
        prompts.push({ role: request.role, prompt: request.prompt });
        return deps.llm.complete(request, signal);
      },
    };
    activities = createActivities({ ...deps, llm: recording });
  });
  after(async () => {
    await deps?.close();
  });

  it('failing tests: the sandbox fails them, the revision reads the test output and its tests pass', async () => {
    const task = await newTask('fizzbuzz(n). scripted-develop: failing-tests');
    const first = await act(activities.generateSolution, { taskId: task.taskId, step: 'develop-1', budgetRequestId: await reserve(task, 'develop-1', 'developer') });
    const failed = await runTests(task, first.solutionId);
    assert.equal(failed.passed, false);
    assert.ok(failed.tests.failed >= 1, JSON.stringify(failed.tests));

    const revised = await act(activities.reviseSolution, {
      taskId: task.taskId,
      solutionId: first.solutionId,
      step: 'fix-1',
      budgetRequestId: await reserve(task, 'fix-1', 'developer'),
      reason: 'failing_tests',
      notes: ['guard failing_tests: 1 of 1 tests failed'],
      refs: { sandboxRunId: failed.runId },
      guidance: ['keep the function name'],
    });
    assert.notEqual(revised.solutionId, first.solutionId);
    assert.deepEqual([revised.files, revised.tests], [['fizzbuzz.py'], ['test_fizzbuzz.py']]);
    const prompt = lastPrompt('developer');
    assert.match(prompt, /^<revision reason="failing_tests">/);
    assert.match(prompt, /<<<UNTRUSTED test_stdout>>>[\s\S]*1 failed/);
    assert.match(prompt, /<<<UNTRUSTED pipeline_note_1>>>\n.*\nguard failing_tests/);
    assert.match(prompt, /<<<UNTRUSTED operator_guidance_1>>>\n.*\nkeep the function name/);
    assert.match(prompt, /<<<UNTRUSTED solution>>>[\s\S]*assertNotEqual/, 'the current solution is quoted');

    const passed = await runTests(task, revised.solutionId);
    assert.equal(passed.passed, true, JSON.stringify(passed));
    assert.equal(passed.tests.passed, 1);
    const { rows } = await deps.db.query('SELECT step, agent_role FROM task_solutions WHERE task_id = $1 ORDER BY created_at', [task.taskId]);
    assert.deepEqual(rows, [{ step: 'develop-1', agent_role: 'developer' }, { step: 'fix-1', agent_role: 'developer' }]);
  });

  it('no tests: the run reports none, the tester adds tests to the same code and they pass', async () => {
    const task = await newTask('fizzbuzz in JS. scripted-develop: no-tests', 'javascript');
    const first = await act(activities.generateSolution, { taskId: task.taskId, step: 'develop-1', budgetRequestId: await reserve(task, 'develop-1', 'developer') });
    assert.deepEqual(first.tests, []);
    const empty = await runTests(task, first.solutionId);
    assert.equal(empty.tests.passed + empty.tests.failed + empty.tests.errors, 0, JSON.stringify(empty.tests));

    const tested = await act(activities.generateTests, {
      taskId: task.taskId,
      solutionId: first.solutionId,
      step: 'tests-1',
      budgetRequestId: await reserve(task, 'tests-1', 'tester'),
      guidance: ['cover 15'],
    });
    assert.deepEqual([tested.files, tested.tests], [['fizzbuzz.mjs'], ['fizzbuzz.generated.test.mjs']]);
    assert.match(lastPrompt('tester'), /<<<UNTRUSTED operator_guidance_1>>>\n.*\ncover 15/);
    const stored = await getSolution(deps.db, tested.solutionId);
    const original = await getSolution(deps.db, first.solutionId);
    assert.deepEqual(stored?.solution.files, original?.solution.files, 'the code is the same');
    assert.equal(stored?.solution.summary, original?.solution.summary);
    const { rows } = await deps.db.query('SELECT agent_role FROM task_solutions WHERE id = $1', [tested.solutionId]);
    assert.deepEqual(rows, [{ agent_role: 'tester' }]);

    const passed = await runTests(task, tested.solutionId);
    assert.equal(passed.passed, true, JSON.stringify(passed));
    assert.equal(passed.tests.passed, 1);
  });

  it('security reject-once: a blocking finding, rewritten in place on retry; the security revision carries the marker and is approved', async () => {
    const task = await newTask('fizzbuzz. scripted-security: reject-once');
    const first = await act(activities.generateSolution, { taskId: task.taskId, step: 'develop-1', budgetRequestId: await reserve(task, 'develop-1', 'developer') });
    const budgetRequestId = await reserve(task, 'security-1', 'security');
    const review = await act(activities.securityReview, { taskId: task.taskId, solutionId: first.solutionId, step: 'security-1', budgetRequestId });
    assert.deepEqual({ ...review, securityReviewId: undefined }, { securityReviewId: undefined, approved: false, blockingFindings: 1, findings: 1 });
    // A retried attempt (its reservation rearmed) rewrites its row.
    const again = await act(activities.securityReview, { taskId: task.taskId, solutionId: first.solutionId, step: 'security-1', budgetRequestId });
    assert.equal(again.securityReviewId, review.securityReviewId);
    const { rows } = await deps.db.query('SELECT step, approved, solution_id, findings FROM security_reviews WHERE task_id = $1', [task.taskId]);
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0].step, rows[0].approved, rows[0].solution_id, rows[0].findings[0].severity], ['security-1', false, first.solutionId, 'high']);

    const revised = await act(activities.reviseSolution, {
      taskId: task.taskId,
      solutionId: first.solutionId,
      step: 'fix-1',
      budgetRequestId: await reserve(task, 'fix-1', 'developer'),
      reason: 'security',
      notes: [],
      refs: { securityReviewId: review.securityReviewId },
    });
    assert.ok(revised.summary.split('\n').includes(SECURITY_REVISION_MARKER), revised.summary);
    assert.match(lastPrompt('developer'), /^<revision reason="security">[\s\S]*did not approve[\s\S]*<<<UNTRUSTED security_findings>>>[\s\S]*Scripted high-severity finding/);

    const approved = await act(activities.securityReview, { taskId: task.taskId, solutionId: revised.solutionId, step: 'security-2', budgetRequestId: await reserve(task, 'security-2', 'security') });
    assert.deepEqual({ ...approved, securityReviewId: undefined }, { securityReviewId: undefined, approved: true, blockingFindings: 0, findings: 0 });
    assert.notEqual(approved.securityReviewId, review.securityReviewId);
  });

  it('a revision for review reads the votes and the explanation of the peer review', async () => {
    const task = await newTask('fizzbuzz');
    const first = await act(activities.generateSolution, { taskId: task.taskId, step: 'develop-1', budgetRequestId: await reserve(task, 'develop-1', 'developer') });
    const reviewId = uniqueId('peer-review');
    const vote: Vote = { role: 'architect', verdict: 'request_changes', score: 0.4, reasons: ['split the module up'] };
    await saveVote(deps.db, { reviewId, taskId: task.taskId, vote, provider: 'p', model: 'm' });
    await savePeerReview(deps.db, {
      reviewId,
      taskId: task.taskId,
      tenantId: task.tenantId,
      solutionId: first.solutionId,
      result: { outcome: 'changes_requested', shares: { approve: 0, request_changes: 1, reject: 0 }, quality: 0.4, vetoedBy: null, votes: [vote], missing: [] },
      explanation: 'the architect asked for changes',
      consensusMs: 10,
    });
    await act(activities.reviseSolution, {
      taskId: task.taskId,
      solutionId: first.solutionId,
      step: 'revise-1',
      budgetRequestId: await reserve(task, 'revise-1', 'developer'),
      reason: 'review',
      notes: [],
      refs: { peerReviewId: reviewId },
    });
    assert.match(lastPrompt('developer'), /^<revision reason="review">[\s\S]*ended changes_requested[\s\S]*the architect asked for changes[\s\S]*"verdict": "request_changes"[\s\S]*split the module up/);
  });

  it('the supervisor synthesizes an escalation from its record and the task\'s newest solution and reviews', async () => {
    const task = await newTask('fizzbuzz. scripted-supervisor: request_changes 0.4');
    const first = await act(activities.generateSolution, { taskId: task.taskId, step: 'develop-1', budgetRequestId: await reserve(task, 'develop-1', 'developer') });
    await act(activities.securityReview, { taskId: task.taskId, solutionId: first.solutionId, step: 'security-1', budgetRequestId: await reserve(task, 'security-1', 'security') });
    const escalationId = `escalation-${task.taskId}-1`;
    await openEscalation(deps.db, { id: escalationId, taskId: task.taskId, tenantId: task.tenantId, seq: 1, reason: 'review_deadlock', context: { rounds: 3, lastOutcome: 'deadlock' } });

    const synthesis = await act(activities.synthesizeEscalation, { escalationId, taskId: task.taskId, step: 'escalation-1', budgetRequestId: await reserve(task, 'escalation-1', 'supervisor') });
    assert.equal(synthesis.action_plan[0]!.action, 'request_changes');
    assert.equal(synthesis.confidence, 0.4);
    const prompt = lastPrompt('supervisor');
    assert.match(prompt, /reason: review deadlock/);
    assert.match(prompt, /<<<UNTRUSTED escalation_context>>>[\s\S]*"lastOutcome":"deadlock"/);
    assert.match(prompt, /newest solution \(develop-1, by the developer\)[\s\S]*fizzbuzz\.py/);
    assert.match(prompt, /newest security review \(security-1\) approved/);
    assert.match(prompt, /no peer review/);

    await rejectsWith(
      act(activities.synthesizeEscalation, { escalationId: 'escalation-none-1', taskId: task.taskId, step: 'escalation-2', budgetRequestId: await reserve(task, 'escalation-2', 'supervisor') }),
      'NotFoundError',
      /escalation escalation-none-1 of task/,
    );
  });

  it('cancelling a solution\'s test run kills its container and records the run as cancelled', async () => {
    const task = await newTask('slow tests');
    const solutionId = await saveSolution(deps.db, {
      ...task,
      step: 'develop-1',
      agentRole: 'developer',
      provider: 'test',
      model: 'test',
      solution: {
        summary: 'sleeps in its test',
        files: [{ path: 'slow.py', content: 'import time\n\ndef wait():\n    time.sleep(120)\n' }],
        tests: [{ path: 'test_slow.py', content: 'from slow import wait\n\ndef test_wait():\n    wait()\n' }],
      },
      usage: { promptTokens: 0, completionTokens: 0 },
      attempt: 1,
    });
    const runId = uniqueId('pa-run');
    const env = new MockActivityEnvironment({ attempt: 1 }, quiet);
    const running = env.run(activities.runSolutionTests, { ...task, solutionId, runId });
    const containers = () => deps.docker.listContainers({ all: true, filters: { label: [`${SANDBOX_LABELS.runId}=${runId}`] } });
    await waitFor('the test container', async () => ((await containers()).length > 0 ? true : undefined));
    env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    await waitFor('the container to be removed', async () => ((await containers()).length === 0 ? true : undefined), 15_000);
    const { rows } = await deps.db.query('SELECT cancelled, tenant_id FROM sandbox_runs WHERE run_id = $1', [runId]);
    assert.deepEqual(rows, [{ cancelled: true, tenant_id: task.tenantId }]);
  });

  it('refuses what does not exist or is not the caller\'s, and a directive the stand-in cannot follow', async () => {
    const task = await newTask('fizzbuzz');
    const other = await newTask('fizzbuzz');
    const first = await act(activities.generateSolution, { taskId: task.taskId, step: 'develop-1', budgetRequestId: await reserve(task, 'develop-1', 'developer') });
    await rejectsWith(act(activities.runSolutionTests, { ...other, solutionId: first.solutionId, runId: uniqueId('pa-run') }), 'NotFoundError', /does not exist/);
    const revise = { taskId: other.taskId, solutionId: first.solutionId, step: 'fix-1', budgetRequestId: await reserve(other, 'fix-1', 'developer'), notes: [], refs: {} };
    await rejectsWith(act(activities.reviseSolution, { ...revise, reason: 'failing_tests' }), 'NotFoundError', /solution .* of task/);
    await rejectsWith(act(activities.reviseSolution, { ...revise, reason: 'bored' as never }), 'InvalidInputError', /unknown revision reason "bored"/);
    await rejectsWith(
      act(activities.reviseSolution, { ...revise, taskId: task.taskId, reason: 'failing_tests', refs: { sandboxRunId: 'no-such-run' } }),
      'NotFoundError',
      /sandbox run no-such-run/,
    );
    await rejectsWith(act(activities.generateTests, { taskId: task.taskId, solutionId: '00000000-0000-0000-0000-000000000000', step: 't', budgetRequestId: 'x' }), 'NotFoundError', /does not exist/);

    const odd = await newTask('fizzbuzz. scripted-security: sometimes');
    const oddFirst = await act(activities.generateSolution, { taskId: odd.taskId, step: 'develop-1', budgetRequestId: await reserve(odd, 'develop-1', 'developer') });
    await rejectsWith(
      act(activities.securityReview, { taskId: odd.taskId, solutionId: oddFirst.solutionId, step: 'security-1', budgetRequestId: await reserve(odd, 'security-1', 'security') }),
      'InvalidInputError',
      /unknown scripted-security value "sometimes"/,
    );
  });
});
