import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateGuards, isGuardBypass, planAutoFix, REMEDIATION_FOR, GUARDS, type GuardInput } from '../../domain/guards.js';

const good: GuardInput = {
  testFiles: ['test_x.py'],
  testRun: { passed: 3, failed: 0, timedOut: false },
  security: { approved: true, blockingFindings: 0 },
  quality: 0.9,
};

describe('guards and auto-fix', () => {
  it('pass a tested, secure, good solution', () => {
    assert.deepEqual(evaluateGuards(good), []);
    assert.deepEqual(planAutoFix([], 1, 3), { action: 'proceed' });
  });

  const cases: Array<[string, Partial<GuardInput>, string[]]> = [
    ['no test files', { testFiles: [], testRun: null }, ['missing_tests']],
    ['a run that found no tests', { testRun: { passed: 0, failed: 0, timedOut: false } }, ['missing_tests']],
    ['failing tests', { testRun: { passed: 2, failed: 1, timedOut: false } }, ['failing_tests']],
    ['a timed-out run', { testRun: { passed: 0, failed: 0, timedOut: true } }, ['failing_tests']],
    ['tests that did not run', { testRun: null }, ['failing_tests']],
    ['security not reviewed yet', { security: null }, ['security_not_approved']],
    ['security refused', { security: { approved: false, blockingFindings: 2 } }, ['security_not_approved']],
    ['low review score', { quality: 0.4 }, ['quality_below_threshold']],
    ['no review yet is not a quality failure', { quality: null }, []],
    ['several at once, in fix order', { testFiles: [], testRun: null, security: null, quality: 0.1 }, ['missing_tests', 'security_not_approved', 'quality_below_threshold']],
  ];
  for (const [name, change, expected] of cases) {
    it(name, () => assert.deepEqual(evaluateGuards({ ...good, ...change }).map((f) => f.guard), expected));
  }

  it('maps every guard to the seed’s remediation and its agent', () => {
    assert.deepEqual(Object.keys(REMEDIATION_FOR).sort(), [...GUARDS].sort());
    assert.deepEqual(REMEDIATION_FOR.missing_tests, { step: 'generate_tests', agent: 'tester' });
    assert.deepEqual(REMEDIATION_FOR.failing_tests, { step: 'fix_failing_tests', agent: 'developer' });
    assert.deepEqual(REMEDIATION_FOR.security_not_approved, { step: 'security_review', agent: 'security' });
    assert.deepEqual(REMEDIATION_FOR.quality_below_threshold, { step: 'refactor', agent: 'developer' });
  });

  it('remediates within the iteration bound, then escalates', () => {
    const failures = evaluateGuards({ ...good, testRun: { passed: 1, failed: 2, timedOut: false } });
    const plan = planAutoFix(failures, 1, 3);
    assert.equal(plan.action, 'remediate');
    assert.deepEqual(plan.action === 'remediate' && plan.steps.map((s) => s.step), ['fix_failing_tests']);
    const last = planAutoFix(failures, 3, 3);
    assert.equal(last.action, 'escalate');
    assert.match(last.action === 'escalate' ? last.reason : '', /after 3 iteration\(s\): failing_tests \(2 of 3 tests fail\)/);
  });

  it('calls a review of a solution with failing guards a bypass', () => {
    assert.equal(isGuardBypass([]), false);
    assert.equal(isGuardBypass(evaluateGuards({ ...good, security: null })), true);
  });
});
