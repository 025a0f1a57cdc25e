import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONSENSUS_POLICY, decideConsensus, validatePolicy, type Vote } from '../../domain/consensus.js';
import { explainConsensus } from '../../domain/consensus-explanation.js';

const vote = (role: Vote['role'], verdict: Vote['verdict'], score = verdict === 'approve' ? 0.9 : 0.3, reasons = [`${role} says ${verdict}`]): Vote => ({ role, verdict, score, reasons });

describe('peer-review consensus', () => {
  const cases: Array<{ name: string; votes: Vote[]; outcome: string }> = [
    { name: 'all approve', votes: [vote('reviewer', 'approve'), vote('security', 'approve'), vote('architect', 'approve'), vote('tester', 'approve')], outcome: 'approved' },
    { name: 'security veto beats three approvals', votes: [vote('reviewer', 'approve'), vote('security', 'reject'), vote('architect', 'approve'), vote('tester', 'approve')], outcome: 'rejected' },
    { name: 'security veto counts even below quorum', votes: [vote('security', 'reject')], outcome: 'rejected' },
    { name: 'too few votes by the deadline', votes: [vote('reviewer', 'approve'), vote('tester', 'approve')], outcome: 'no_quorum' },
    // weights: security 1.5, architect 1.2, reviewer 1.0, tester 0.8 (total 4.5)
    { name: 'weighted approval over two thirds', votes: [vote('security', 'approve'), vote('architect', 'approve'), vote('reviewer', 'request_changes'), vote('tester', 'approve')], outcome: 'approved' },
    { name: 'weighted majority rejects', votes: [vote('reviewer', 'reject'), vote('architect', 'reject'), vote('tester', 'reject'), vote('security', 'approve')], outcome: 'rejected' },
    { name: 'a majority against approval, not for rejection, asks for changes', votes: [vote('reviewer', 'request_changes'), vote('architect', 'reject'), vote('tester', 'request_changes'), vote('security', 'approve')], outcome: 'changes_requested' },
    { name: 'two heavy votes against are not yet half of the weight', votes: [vote('reviewer', 'reject'), vote('architect', 'reject'), vote('security', 'approve'), vote('tester', 'approve')], outcome: 'deadlock' },
    { name: 'a split no threshold settles is a deadlock', votes: [vote('security', 'approve'), vote('reviewer', 'approve'), vote('architect', 'request_changes'), vote('tester', 'reject')], outcome: 'deadlock' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(decideConsensus(c.votes).outcome, c.outcome));
  }

  it('counts one vote per role (the first) and names the missing ones', () => {
    const result = decideConsensus([vote('reviewer', 'approve'), vote('reviewer', 'reject'), vote('security', 'approve'), vote('architect', 'approve')]);
    assert.equal(result.votes.length, 3);
    assert.deepEqual(result.missing, ['tester']);
    assert.equal(result.outcome, 'approved');
  });

  it('weighs quality by role', () => {
    const result = decideConsensus([vote('security', 'approve', 1), vote('tester', 'approve', 0), vote('reviewer', 'approve', 0.5)]);
    assert.equal(result.quality, Math.round(((1.5 * 1 + 0.8 * 0 + 1.0 * 0.5) / 3.3) * 1000) / 1000);
  });

  it('refuses a nonsensical policy by name', () => {
    assert.throws(() => validatePolicy({ ...DEFAULT_CONSENSUS_POLICY, quorum: 0 }), /quorum/);
    assert.throws(() => validatePolicy({ ...DEFAULT_CONSENSUS_POLICY, approveShare: 1.5 }), /approveShare/);
    assert.throws(() => validatePolicy({ ...DEFAULT_CONSENSUS_POLICY, weights: { ...DEFAULT_CONSENSUS_POLICY.weights, tester: 0 } }), /weight of tester/);
  });

  it('explains who voted what, with what weight, and why', () => {
    const result = decideConsensus([vote('reviewer', 'approve'), vote('security', 'reject', 0.1, ['SQL built by string concatenation']), vote('architect', 'approve')]);
    const explanation = explainConsensus(result);
    assert.equal(explanation.outcome, 'rejected');
    assert.match(explanation.summary, /security vetoed it/);
    assert.match(explanation.text, /- security \(weight 1\.5\): reject, score 0\.10 — SQL built by string concatenation/);
    assert.match(explanation.text, /no vote from: tester/);
    const deadlock = explainConsensus(decideConsensus(cases.find((c) => c.name.startsWith('a split'))!.votes));
    assert.match(deadlock.summary, /deadlock: no threshold is met: 56% approve \(needed 67%\)/);
  });
});
