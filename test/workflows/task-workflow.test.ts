import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import type { SandboxRunCompleted } from '../../activities/sandbox.js';
import type { Vote } from '../../domain/consensus.js';
import type { SupervisorSynthesisAnswer } from '../../domain/llm/answer-schemas.js';
import type { SolutionSummary } from '../../domain/schemas/task.js';
import type { PipelinePolicy, TaskEvent } from '../../domain/task-pipeline.js';
import { TASK_QUEUES, taskQueueName } from '../../domain/task-queues.js';
import { CircuitOpenError, toActivityFailure as breakerFailure } from '../../lib/circuit-breaker.js';
import { LlmProviderError, toActivityFailure as providerFailure } from '../../lib/llm/errors.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { discardUpdate, redriveUpdate, resolveEscalationUpdate, taskHistoryQuery, taskProgressQuery } from '../../workflows/messages.js';
import { workflowSource } from '../../workers/workflow-source.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { quietRuntime } from '../support/workers.js';

const config = testConfig();
// Each test has queues of its own: a workflow a failed test leaves running never meets the next test's fakes.
let prefix = config.TEMPORAL_TASK_QUEUE_PREFIX;
const taskQueue = () => taskQueueName('orchestrator', prefix);
const input = { title: 'FizzBuzz', description: 'fizz', language: 'python', tenantId: 'wf-tenant', requestedBy: 'tester' };

const policy: PipelinePolicy = {
  maxFixIterations: 3,
  maxReviewRounds: 2,
  maxEscalations: 2,
  peerReviewDeadlineSeconds: 30,
  escalationDeadlineSeconds: 30,
  autoApplyConfidence: 0.8,
  deadLetterDeadlineSeconds: 60,
  qualityThreshold: 0.6,
  taskQueuePrefix: '',
};

let versions = 0;
const summary = (tests: string[] = ['test_a.py']): SolutionSummary => {
  versions += 1;
  return { solutionId: `00000000-0000-4000-8000-${String(versions).padStart(12, '0')}`, summary: `v${versions}`, files: ['a.py'], tests, model: 'm', provider: 'p' };
};

const sandboxRun = (runId: string, failed = 0): SandboxRunCompleted => ({
  status: 'completed',
  runId,
  runtime: 'runc',
  warm: false,
  exitCode: failed ? 1 : 0,
  passed: failed === 0,
  tests: { framework: 'pytest', found: true, passed: 3 - failed, failed, errors: 0, skipped: 0 },
  durationMs: 5,
  flags: { timedOut: false, oomKilled: false, stdoutTruncated: false, stderrTruncated: false, outputFlood: false, cancelled: false },
  outputRef: { table: 'sandbox_runs', runId },
  stdoutPreview: '',
  stderrPreview: '',
});

type Verdict = Vote['verdict'];

interface Script {
  develop?: () => SolutionSummary;
  testsFail?: (call: number) => boolean;
  securityApproves?: (call: number) => boolean;
  securityReview?: () => Promise<never>;
  votes?: (review: number) => Record<'reviewer' | 'security' | 'architect' | 'tester', { verdict: Verdict; score: number }>;
  synthesis?: (n: number) => SupervisorSynthesisAnswer;
  policy?: Partial<PipelinePolicy>;
}

const allApprove = () => ({
  reviewer: { verdict: 'approve' as const, score: 0.9 },
  security: { verdict: 'approve' as const, score: 0.9 },
  architect: { verdict: 'approve' as const, score: 0.9 },
  tester: { verdict: 'approve' as const, score: 0.9 },
});

/** Fake activities that record what the workflows asked of them, on every queue. */
function fakes(script: Script = {}) {
  prefix = `${uniqueId('q')}-`;
  const queuePrefix = prefix;
  const calls: string[] = [];
  const held = new Map<string, number>();
  const finished: Array<Parameters<Activities['recordTaskFinished']>[0]> = [];
  const events: TaskEvent[] = [];
  const deadLetters: Array<{ id: number; step: string; resolution?: string }> = [];
  const escalations: Array<{ id: string; status: string }> = [];
  let sandboxCalls = 0;
  let securityCalls = 0;
  let reviews = 0;
  const activities: Partial<Activities> = {
    pipelinePolicy: async () => ({ ...policy, taskQueuePrefix: queuePrefix, ...script.policy }),
    recordTaskStarted: async () => undefined,
    recordTaskFinished: async (args) => void finished.push(args),
    recordTaskEvent: async (args) => void events.push(args.event),
    recordTaskStatus: async () => undefined,
    recordGuardBypass: async () => void calls.push('bypass'),
    recordDeadLetter: async (args) => {
      const existing = deadLetters.find((d) => d.step === `${args.workflowId}/${args.step}`);
      if (existing) return existing.id;
      deadLetters.push({ id: deadLetters.length + 1, step: `${args.workflowId}/${args.step}` });
      return deadLetters.length;
    },
    resolveDeadLetter: async (args) => {
      deadLetters.find((d) => d.id === args.deadLetterId)!.resolution = args.resolution;
    },
    reserveBudget: async (args) => {
      held.set(args.requestId, args.amount);
      return { ...args, granted: true, remaining: 1_000_000, expiresAt: null, replayed: false };
    },
    releaseBudget: async (args) => {
      held.delete(args.requestId);
      return { requestId: args.requestId, released: 0, state: 'committed' };
    },
    generateSolution: async (args) => {
      calls.push(`develop ${args.step}`);
      return (script.develop ?? summary)();
    },
    reviseSolution: async (args) => {
      calls.push(`revise ${args.reason} ${args.step}${args.refs.sandboxRunId ? ' run' : ''}${args.refs.securityReviewId ? ' sec' : ''}${args.refs.peerReviewId ? ' review' : ''}`);
      return summary();
    },
    generateTests: async (args) => {
      calls.push(`tests ${args.step}`);
      return summary();
    },
    securityReview: async (args) => {
      securityCalls += 1;
      calls.push(`security ${args.step}`);
      if (script.securityReview) return script.securityReview();
      const approved = script.securityApproves ? script.securityApproves(securityCalls) : true;
      return { securityReviewId: `sec-${securityCalls}`, approved, blockingFindings: approved ? 0 : 1, findings: approved ? 0 : 1 };
    },
    runSolutionTests: async (args) => {
      sandboxCalls += 1;
      calls.push(`sandbox ${args.runId.split(':')[1]}`);
      return sandboxRun(args.runId, script.testsFail?.(sandboxCalls) ? 1 : 0);
    },
    reviewSolution: async (args) => {
      const vote = (script.votes ?? allApprove)(reviews)[args.role as 'reviewer'];
      return { role: args.role, verdict: vote.verdict, score: vote.score, reasons: [`${args.role} says ${vote.verdict}`] };
    },
    recordPeerReview: async (args) => {
      reviews += 1;
      calls.push(`review ${args.reviewId}`);
      const { decideConsensus } = await import('../../domain/consensus.js');
      const result = decideConsensus(args.votes);
      return { result, explanation: `${result.outcome} (test)` };
    },
    openEscalation: async (args) => void escalations.push({ id: args.id, status: 'open' }),
    recordEscalation: async (args) => {
      escalations.find((e) => e.id === args.id)!.status = args.status;
    },
    synthesizeEscalation: async (args) => {
      calls.push(`synthesis ${args.escalationId}`);
      const n = Number(args.escalationId.split('-').pop());
      return script.synthesis ? script.synthesis(n) : { action_plan: [{ action: 'accept', reason: 'good enough' }], reasoning: 'fine', confidence: 0.95 };
    },
  };
  return { activities, calls, held, finished, events, deadLetters, escalations };
}

let env: TestWorkflowEnvironment;

/** Workflow workers on orchestrator, peer-hub and supervisor, fake activities on all four queues, as in production. */
async function withWorkers<T>(activities: Partial<Activities>, fn: () => Promise<T>): Promise<T> {
  const workers = await Promise.all(
    TASK_QUEUES.map((queue) =>
      Worker.create({
        connection: env.nativeConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: taskQueueName(queue, prefix),
        activities,
        ...(queue === 'sandbox' ? {} : workflowSource()),
      }),
    ),
  );
  let run: () => Promise<T> = fn;
  for (const w of workers) {
    const inner = run;
    run = () => w.runUntil(inner);
  }
  return run();
}

const start = (workflowId: string, args: unknown[] = [input]) => env.client.workflow.start(TaskWorkflow, { taskQueue: taskQueue(), workflowId, args: args as [typeof input] });

/** An update refused by the workflow's validator: the reason is the cause's message. */
async function refused(update: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await update.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WorkflowUpdateFailedError, `expected the update to be refused, got ${String(error)}`);
  assert.match(String(error.cause?.message), reason);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('TaskWorkflow pipeline (fake activities, real server)', () => {
  before(async () => {
    await requireServices(config, ['temporal']);
    quietRuntime();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  });
  after(async () => env?.teardown());

  it('happy path: develop, sandbox, security, guards, peer review; every hold released; timeline and search attributes kept', async () => {
    const f = fakes();
    const workflowId = `task-${uniqueId('ok')}`;
    const result = await withWorkers(f.activities, async () => (await start(workflowId)).result());
    assert.equal(result.status, 'completed');
    assert.equal(result.acceptedBy, 'peer_review');
    assert.equal(result.review?.outcome, 'approved');
    assert.deepEqual(f.calls, ['develop develop-r1i1', 'sandbox sandbox-r1i1', 'security security-r1i1', `review review-${workflowId.slice(5)}-1`]);
    assert.equal(f.held.size, 0, `holds left: ${[...f.held.keys()].join(', ')}`);
    assert.deepEqual(f.events.map((e) => e.kind), ['started', 'solution', 'tests_run', 'security_review', 'guards', 'peer_review', 'finished']);
    assert.deepEqual(f.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
    const description = await env.client.workflow.getHandle(workflowId).describe();
    assert.deepEqual(description.searchAttributes.TaskStatus, ['completed']);
    assert.deepEqual(description.searchAttributes.TenantId, ['wf-tenant']);
  });

  it('each guard leads to its remediation: missing tests → tester, failing tests → fix, security → fix', async () => {
    let developed = false;
    const f = fakes({
      develop: () => {
        developed = true;
        return summary([]);
      },
      testsFail: (n) => n === 1,
      securityApproves: (n) => n !== 2,
    });
    const workflowId = `task-${uniqueId('fix')}`;
    const result = await withWorkers(f.activities, async () => (await start(workflowId)).result());
    assert.ok(developed);
    assert.equal(result.status, 'completed');
    assert.deepEqual(f.calls.slice(0, -1), [
      'develop develop-r1i1',
      'security security-r1i1',
      'tests generate-tests-r1i1',
      'sandbox sandbox-r1i2',
      'security security-r1i2',
      'revise failing_tests revise-failing_tests-r1i2 run sec',
      'revise security revise-security-r1i2 run sec',
      'sandbox sandbox-r1i3',
      'security security-r1i3',
    ]);
    const remediations = f.events.filter((e) => e.kind === 'remediation').map((e) => e.detail.remediation);
    assert.deepEqual(remediations, ['generate_tests', 'fix_failing_tests', 'security_review']);
    assert.equal(f.held.size, 0);
  });

  it('changes requested → revision with the reviewers\' feedback → second round approved', async () => {
    const f = fakes({
      votes: (n) => (n === 0 ? { ...allApprove(), reviewer: { verdict: 'request_changes', score: 0.4 }, architect: { verdict: 'request_changes', score: 0.4 }, tester: { verdict: 'request_changes', score: 0.5 } } : allApprove()),
    });
    const workflowId = `task-${uniqueId('round')}`;
    const result = await withWorkers(f.activities, async () => (await start(workflowId)).result());
    assert.equal(result.acceptedBy, 'peer_review');
    assert.equal(result.reviewRounds, 2);
    assert.ok(f.calls.includes('revise review revise-review-r2i1 run sec review'), f.calls.join('\n'));
    assert.ok(f.calls.includes(`review review-${workflowId.slice(5)}-2`));
  });

  it('security veto → escalation; the supervisor\'s accept is not auto-applied; a human resolves (validator refuses malformed decisions)', async () => {
    const f = fakes({ votes: () => ({ ...allApprove(), security: { verdict: 'reject', score: 0.1 } }) });
    const workflowId = `task-${uniqueId('veto')}`;
    const taskId = workflowId.slice(5);
    const result = await withWorkers(f.activities, async () => {
      const handle = await start(workflowId);
      const escalation = env.client.workflow.getHandle(`escalation-${taskId}-1`);
      await until('escalation awaiting a human', async () => (f.escalations[0]?.status === 'awaiting_human' ? true : undefined));
      const progress = await handle.query(taskProgressQuery);
      assert.equal(progress.status, 'escalated');
      assert.equal(progress.escalationId, `escalation-${taskId}-1`);
      await refused(escalation.executeUpdate(resolveEscalationUpdate, { args: [{ action: 'ship-it', comment: 'x', decidedBy: 'ops' } as never] }), /action/);
      await refused(escalation.executeUpdate(resolveEscalationUpdate, { args: [{ action: 'revise', comment: 'x', decidedBy: 'ops' }] }), /guidance is required/);
      const outcome = await escalation.executeUpdate(resolveEscalationUpdate, { args: [{ action: 'accept', comment: 'reviewed by hand', decidedBy: 'ops-1' }], updateId: 'decision-1' });
      assert.equal(outcome.source, 'human');
      // The same update id again is the same update: deduplicated, not a second decision.
      const again = await escalation.executeUpdate(resolveEscalationUpdate, { args: [{ action: 'accept', comment: 'reviewed by hand', decidedBy: 'ops-1' }], updateId: 'decision-1' });
      assert.deepEqual(again, outcome);
      return handle.result();
    });
    assert.equal(result.acceptedBy, 'human');
    assert.deepEqual(result.escalations, [`escalation-${taskId}-1`]);
    assert.deepEqual(f.escalations.map((e) => e.status), ['resolved']);
    assert.equal(f.held.size, 0);
  });

  it('deadlock → escalation → the supervisor\'s confident revise is applied, then the task completes', async () => {
    const f = fakes({
      votes: (n) => (n === 0 ? { reviewer: { verdict: 'approve', score: 0.7 }, security: { verdict: 'approve', score: 0.7 }, architect: { verdict: 'reject', score: 0.2 }, tester: { verdict: 'reject', score: 0.2 } } : allApprove()),
      synthesis: () => ({ action_plan: [{ action: 'refactor', reason: 'split the module' }], reasoning: 'both sides have a point', confidence: 0.9 }),
    });
    const workflowId = `task-${uniqueId('deadlock')}`;
    const result = await withWorkers(f.activities, async () => (await start(workflowId)).result());
    assert.equal(result.acceptedBy, 'peer_review');
    assert.deepEqual(f.escalations.map((e) => e.status), ['auto_applied']);
    assert.ok(f.calls.some((c) => c.startsWith('revise escalation')), f.calls.join('\n'));
  });

  it('an escalation past its deadline fails and the task escalates again; out of escalations the task fails', async () => {
    const f = fakes({
      votes: () => ({ ...allApprove(), security: { verdict: 'reject', score: 0.1 } }),
      policy: { escalationDeadlineSeconds: 1, maxEscalations: 2 },
    });
    const workflowId = `task-${uniqueId('esc-fail')}`;
    const error = await withWorkers(f.activities, async () => (await start(workflowId)).result().catch((e: unknown) => e));
    assert.ok(error instanceof WorkflowFailedError);
    assert.match(String(error.cause?.message), /escalated 2 time/);
    assert.deepEqual(f.escalations.map((e) => e.status), ['failed', 'failed']);
    assert.deepEqual(f.finished.map((x) => x.status), ['failed']);
    assert.equal(f.held.size, 0);
  });

  it('retries exhausted → dead letter → re-drive runs the step again under a fresh key; discard ends the task discarded', async () => {
    let failing = true;
    const f = fakes();
    const security = f.activities.securityReview!;
    f.activities.securityReview = async (args) => {
      if (failing) throw ApplicationFailure.nonRetryable('the security answer was rejected 3 time(s)', 'LlmAnswerRejectedError');
      return security(args);
    };
    const redriven = `task-${uniqueId('dlq')}`;
    const discarded = `task-${uniqueId('dlq-discard')}`;
    await withWorkers(f.activities, async () => {
      const handle = await start(redriven);
      const parked = await until('the dead letter', async () => {
        const p = await handle.query(taskProgressQuery);
        return p.status === 'dead_lettered' ? p : undefined;
      });
      await refused(handle.executeUpdate(redriveUpdate, { args: [{ deadLetterId: 999, by: 'ops' }] }), /not the task's open one/);
      failing = false;
      const accepted = await handle.executeUpdate(redriveUpdate, { args: [{ deadLetterId: parked.deadLetterId!, by: 'ops', comment: 'provider fixed' }] });
      assert.equal(accepted.step, 'security-r1i1');
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.ok(f.calls.includes('security security-r1i1-d1'), f.calls.join('\n'));

      failing = true;
      const other = await start(discarded);
      const parked2 = await until('the second dead letter', async () => {
        const p = await other.query(taskProgressQuery);
        return p.status === 'dead_lettered' ? p : undefined;
      });
      await other.executeUpdate(discardUpdate, { args: [{ deadLetterId: parked2.deadLetterId!, by: 'ops' }] });
      await assert.rejects(other.result(), WorkflowFailedError);
      const history = await other.query(taskHistoryQuery);
      assert.deepEqual(history.slice(-3).map((e) => e.kind), ['dead_letter', 'dead_letter_resolved', 'finished']);
    });
    assert.deepEqual(f.deadLetters.map((d) => d.resolution), ['redriven', 'discarded']);
    assert.deepEqual(f.finished.map((x) => x.status), ['completed', 'discarded']);
    assert.equal(f.held.size, 0);
  });

  it('an open breaker or a provider rate limit is waited off on durable timers: no attempt spent, no dead letter, a fresh budget key after the wait', async () => {
    const f = fakes();
    const attempts: string[] = [];
    const failOnce = <A extends unknown[], R>(name: string, failure: () => Error, activity: (...args: A) => Promise<R>) => {
      let failed = false;
      return async (...args: A): Promise<R> => {
        attempts.push(`${name}#${Context.current().info.attempt}`);
        if (!failed) {
          failed = true;
          throw failure();
        }
        return activity(...args);
      };
    };
    const a = f.activities;
    a.recordTaskStatus = failOnce('status', () => breakerFailure(new CircuitOpenError('postgres', 1_200)), a.recordTaskStatus!);
    a.generateSolution = failOnce('develop', () => providerFailure(new LlmProviderError('rate limited', { provider: 'openai', retryable: true, status: 429, retryAfterMs: 1_000 })), a.generateSolution!);
    a.runSolutionTests = failOnce('sandbox', () => breakerFailure(new CircuitOpenError('docker', 800)), a.runSolutionTests!);
    const reserved: string[] = [];
    const reserve = a.reserveBudget!;
    a.reserveBudget = async (args) => {
      reserved.push(args.requestId);
      return reserve(args);
    };
    const workflowId = `task-${uniqueId('wait')}`;
    const result = await withWorkers(f.activities, async () => (await start(workflowId)).result());
    assert.equal(result.status, 'completed');
    assert.deepEqual(f.deadLetters, []);
    assert.ok(attempts.every((x) => x.endsWith('#1')), `every call was a first attempt: ${attempts.join(', ')}`);
    assert.deepEqual(attempts.filter((x) => !x.startsWith('status')), ['develop#1', 'develop#1', 'sandbox#1', 'sandbox#1']);
    const developKeys = reserved.filter((id) => id.includes('develop'));
    assert.equal(developKeys.length, 2);
    assert.ok(developKeys[1]!.endsWith('develop-r1i1-w1'), developKeys.join(', '));
    assert.equal(f.held.size, 0);
    const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const timers = (events ?? []).flatMap((e) => {
      const t = e.timerStartedEventAttributes?.startToFireTimeout;
      return t ? [Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6)] : [];
    });
    assert.deepEqual(timers.sort((x, y) => x - y), [1_000, 1_000, 1_200], "the 429's 1 s, the 1 s floor under Docker's 0.8 s, Postgres's breaker's 1.2 s");
  });

  it('cancel mid-call releases every hold and records the task cancelled', async () => {
    let entered!: () => void;
    const inAgent = new Promise<void>((resolve) => (entered = resolve));
    const f = fakes();
    f.activities.securityReview = async () => {
      entered();
      const signal = Context.current().cancellationSignal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    const workflowId = `task-${uniqueId('cancel')}`;
    await withWorkers(f.activities, async () => {
      const handle = await start(workflowId);
      await inAgent;
      await handle.cancel();
      await assert.rejects(handle.result(), WorkflowFailedError);
    });
    assert.deepEqual(f.finished.map((x) => x.status), ['cancelled']);
    assert.equal(f.held.size, 0);
  });

  it('fails bad input at once with a non-retryable InvalidInputError naming the fields, and refuses ids that are not task-<id>', async () => {
    const f = fakes();
    await withWorkers(f.activities, async () => {
      const bad = await env.client.workflow.start(TaskWorkflow, { taskQueue: taskQueue(), workflowId: `task-${uniqueId('bad')}`, args: [{ title: '', language: 'cobol' } as never] });
      const error = await bad.result().catch((e: unknown) => e);
      assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'InvalidInputError');
      for (const field of ['title', 'description', 'language', 'tenantId', 'requestedBy']) assert.match(error.cause.message, new RegExp(field));
      const wrongId = await env.client.workflow.start(TaskWorkflow, { taskQueue: taskQueue(), workflowId: uniqueId('notask'), args: [input] });
      assert.match(String(((await wrongId.result().catch((e: unknown) => e)) as WorkflowFailedError).cause?.message), /TaskWorkflow ids are task-<id>/);
    });
    assert.deepEqual(f.calls, []);
  });
});
