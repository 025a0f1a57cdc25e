import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TASK_ENDING_FAILURE_TYPES, deadLetterSubject, DeadLetterDecision } from '../../domain/dead-letters.js';
import { autoApplyVerdict, EscalationDecision, EscalationDecisionBody } from '../../domain/escalation.js';
import { FAILURE_TYPES } from '../../domain/failures.js';
import type { SupervisorSynthesisAnswer } from '../../domain/llm/answer-schemas.js';
import { stepName, PipelinePolicy } from '../../domain/task-pipeline.js';
import { ACTIVE_TASK_STATUSES, TERMINAL_TASK_STATUSES } from '../../domain/task-status.js';
import { escalationWorkflowId, parseEscalationWorkflowId, peerReviewWorkflowId } from '../../domain/workflow-ids.js';

const synthesis = (action: SupervisorSynthesisAnswer['action_plan'][number]['action'], confidence: number): SupervisorSynthesisAnswer => ({
  action_plan: [{ action, target: 'fizzbuzz.py', reason: 'because' }, { action: 'add_tests', reason: 'cover the edge' }],
  reasoning: 'the team disagrees on naming only',
  confidence,
});

describe('escalation rules', () => {
  it('applies a confident synthesis on its own, as accept or revise with the plan as guidance', () => {
    const accept = autoApplyVerdict(synthesis('accept', 0.9), { minConfidence: 0.8, securityVetoed: false });
    assert.deepEqual(accept, { apply: true, outcome: { action: 'accept', source: 'supervisor', decidedBy: 'supervisor-agent', comment: 'the team disagrees on naming only' } });
    const revise = autoApplyVerdict(synthesis('refactor', 0.8), { minConfidence: 0.8, securityVetoed: false });
    assert.ok(revise.apply);
    assert.equal(revise.outcome.action, 'revise');
    assert.equal(revise.outcome.guidance, 'refactor (fizzbuzz.py): because\nadd_tests: cover the edge');
  });

  it('never aborts without a human, never accepts over a security veto, never below the confidence, and honours escalate_to_human', () => {
    const cases: Array<[SupervisorSynthesisAnswer, boolean, RegExp]> = [
      [synthesis('abort', 1), false, /aborting a task needs a human/],
      [synthesis('accept', 1), true, /security vetoed/],
      [synthesis('accept', 0.79), false, /confidence 0\.79 is below 0\.8/],
      [synthesis('escalate_to_human', 1), false, /asks for a human/],
    ];
    for (const [s, securityVetoed, why] of cases) {
      const verdict = autoApplyVerdict(s, { minConfidence: 0.8, securityVetoed });
      assert.equal(verdict.apply, false);
      assert.match((verdict as { why: string }).why, why);
    }
    // A revise is still allowed over a veto: it sends the solution back, it does not accept it.
    assert.equal(autoApplyVerdict(synthesis('security_review', 0.9), { minConfidence: 0.8, securityVetoed: true }).apply, true);
  });

  it('validates human decisions: known actions, a comment, guidance for revise, an actor, nothing else', () => {
    assert.ok(EscalationDecision.safeParse({ action: 'accept', comment: 'ok', decidedBy: 'ops' }).success);
    const bad = [
      { action: 'ship', comment: 'ok', decidedBy: 'ops' },
      { action: 'accept', comment: '  ', decidedBy: 'ops' },
      { action: 'revise', comment: 'ok', decidedBy: 'ops' },
      { action: 'accept', comment: 'ok' },
      { action: 'accept', comment: 'ok', decidedBy: 'ops', extra: 1 },
    ];
    for (const d of bad) assert.equal(EscalationDecision.safeParse(d).success, false, JSON.stringify(d));
    assert.equal(EscalationDecisionBody.safeParse({ action: 'accept', comment: 'ok', decidedBy: 'spoofed' }).success, false, 'the API body cannot name the actor');
  });
});

describe('pipeline names and ids', () => {
  it('step names are stable and unique per round and iteration', () => {
    assert.equal(stepName('develop', 1, 1), 'develop-r1i1');
    assert.equal(stepName('revise-security', 2, 3), 'revise-security-r2i3');
    assert.notEqual(stepName('sandbox', 1, 2), stepName('sandbox', 2, 1));
  });

  it('escalation and review ids round-trip', () => {
    assert.equal(escalationWorkflowId('t-1', 2), 'escalation-t-1-2');
    assert.deepEqual(parseEscalationWorkflowId('escalation-t-1-2'), { taskId: 't-1', n: 2 });
    for (const bad of ['escalation-t', 'escalation-', 'escalation--1', 'task-t-1', 'escalation-t-1-0', 'escalation-t-1-x']) assert.equal(parseEscalationWorkflowId(bad), undefined, bad);
    assert.equal(peerReviewWorkflowId('t-1', 3), 'review-t-1-3');
  });

  it("dead letters keep the seed's subject, end the task only for failures a re-run cannot change, and validate decisions", () => {
    assert.equal(deadLetterSubject('task-a', 'develop-r1i1'), 'task-a/develop-r1i1');
    for (const type of TASK_ENDING_FAILURE_TYPES) assert.ok(type in FAILURE_TYPES, `${type} is a declared failure type`);
    for (const parkable of ['BudgetExceededError', 'LlmAnswerRejectedError', 'LlmProviderError', 'CircuitOpenError']) assert.ok(!TASK_ENDING_FAILURE_TYPES.includes(parkable));
    assert.ok(DeadLetterDecision.safeParse({ deadLetterId: 3, by: 'ops' }).success);
    assert.equal(DeadLetterDecision.safeParse({ deadLetterId: 0, by: 'ops' }).success, false);
    assert.equal(DeadLetterDecision.safeParse({ deadLetterId: 3 }).success, false);
  });

  it('active and terminal statuses do not overlap; the policy schema refuses nonsense', () => {
    for (const s of ACTIVE_TASK_STATUSES) assert.ok(!TERMINAL_TASK_STATUSES.has(s));
    assert.deepEqual([...ACTIVE_TASK_STATUSES], ['running', 'reviewing', 'escalated', 'dead_lettered']);
    assert.equal(PipelinePolicy.safeParse({ maxFixIterations: 0 }).success, false);
  });
});
