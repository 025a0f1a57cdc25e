import type { AgentRole } from './agent-roles.js';
import type { ReviewVerdict } from './llm/answer-schemas.js';

/**
 * Peer-review consensus: reviewers vote in parallel, each vote weighs by its
 * role, a security rejection vetoes, and too few votes by the deadline is no
 * decision at all. Pure, so the workflow, the tests and the explanation agree.
 */
export const REVIEWER_ROLES = ['reviewer', 'security', 'architect', 'tester'] as const satisfies readonly AgentRole[];
export type ReviewerRole = (typeof REVIEWER_ROLES)[number];

export interface ConsensusPolicy {
  /** How much each role's vote counts. */
  readonly weights: Readonly<Record<ReviewerRole, number>>;
  /** Votes needed by the deadline for any decision. */
  readonly quorum: number;
  /** Weighted share of approvals that approves. */
  readonly approveShare: number;
  /** Weighted share of rejections that rejects. */
  readonly rejectShare: number;
  /** A security `reject` rejects whatever the others say. */
  readonly securityVeto: boolean;
}

export const DEFAULT_CONSENSUS_POLICY: ConsensusPolicy = {
  weights: { security: 1.5, architect: 1.2, reviewer: 1.0, tester: 0.8 },
  quorum: 3,
  approveShare: 2 / 3,
  rejectShare: 1 / 2,
  securityVeto: true,
};

export interface Vote {
  readonly role: ReviewerRole;
  readonly verdict: ReviewVerdict;
  /** The reviewer's own 0..1 quality score. */
  readonly score: number;
  readonly reasons: readonly string[];
}

/**
 * approved / rejected / changes_requested decide; `deadlock` (a split no
 * threshold settles) and `no_quorum` (too few votes by the deadline) go to
 * the supervisor.
 */
export type ConsensusOutcome = 'approved' | 'rejected' | 'changes_requested' | 'deadlock' | 'no_quorum';

export interface ConsensusResult {
  readonly outcome: ConsensusOutcome;
  readonly shares: Readonly<Record<ReviewVerdict, number>>;
  readonly vetoedBy: ReviewerRole | null;
  /** Weighted mean of the reviewers' scores (0 without votes): the quality guard reads it. */
  readonly quality: number;
  readonly votes: readonly Vote[];
  readonly missing: readonly ReviewerRole[];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function validatePolicy(policy: ConsensusPolicy): void {
  if (!Number.isInteger(policy.quorum) || policy.quorum < 1 || policy.quorum > REVIEWER_ROLES.length) {
    throw new RangeError(`quorum must be 1..${REVIEWER_ROLES.length}, got ${policy.quorum}`);
  }
  for (const role of REVIEWER_ROLES) {
    if (!(policy.weights[role] > 0)) throw new RangeError(`weight of ${role} must be positive, got ${policy.weights[role]}`);
  }
  for (const [name, share] of [['approveShare', policy.approveShare], ['rejectShare', policy.rejectShare]] as const) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`${name} must be in (0, 1], got ${share}`);
  }
}

/** Decides a review from the votes that arrived; one vote per role counts (the first). */
export function decideConsensus(received: readonly Vote[], policy: ConsensusPolicy = DEFAULT_CONSENSUS_POLICY): ConsensusResult {
  validatePolicy(policy);
  const votes: Vote[] = [];
  for (const vote of received) if (!votes.some((v) => v.role === vote.role)) votes.push(vote);
  const missing = REVIEWER_ROLES.filter((role) => !votes.some((v) => v.role === role));
  const total = votes.reduce((sum, v) => sum + policy.weights[v.role], 0);
  const share = (verdict: ReviewVerdict) => (total === 0 ? 0 : votes.filter((v) => v.verdict === verdict).reduce((sum, v) => sum + policy.weights[v.role], 0) / total);
  const shares = { approve: round(share('approve')), request_changes: round(share('request_changes')), reject: round(share('reject')) };
  const quality = total === 0 ? 0 : round(votes.reduce((sum, v) => sum + policy.weights[v.role] * v.score, 0) / total);
  const vetoedBy = policy.securityVeto && votes.some((v) => v.role === 'security' && v.verdict === 'reject') ? 'security' : null;

  let outcome: ConsensusOutcome;
  if (vetoedBy) outcome = 'rejected';
  else if (votes.length < policy.quorum) outcome = 'no_quorum';
  else if (shares.approve >= round(policy.approveShare)) outcome = 'approved';
  else if (shares.reject >= round(policy.rejectShare)) outcome = 'rejected';
  // A majority against approving that is not a majority to reject: the work goes back.
  else if (shares.reject + shares.request_changes >= 0.5) outcome = 'changes_requested';
  else outcome = 'deadlock';
  return { outcome, shares, vetoedBy, quality, votes, missing };
}
