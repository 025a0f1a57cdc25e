import { DEFAULT_CONSENSUS_POLICY, type ConsensusPolicy, type ConsensusResult } from './consensus.js';

/** The seed's `explain_consensus`: who voted what, with what weight, and why the review ended as it did. */
export interface ConsensusExplanation {
  readonly outcome: ConsensusResult['outcome'];
  readonly summary: string;
  readonly voters: ReadonlyArray<{ role: string; verdict: string; weight: number; score: number; reasons: readonly string[] }>;
  readonly missing: readonly string[];
  /** The same, as text for people (the task's history, the console, the CLI). */
  readonly text: string;
}

const pct = (n: number) => `${Math.round(n * 100)}%`;

function why(result: ConsensusResult, policy: ConsensusPolicy): string {
  switch (result.outcome) {
    case 'rejected':
      return result.vetoedBy
        ? `${result.vetoedBy} vetoed it (a security rejection rejects whatever the others say)`
        : `${pct(result.shares.reject)} of the weighted votes reject it (needed ${pct(policy.rejectShare)})`;
    case 'approved':
      return `${pct(result.shares.approve)} of the weighted votes approve it (needed ${pct(policy.approveShare)})`;
    case 'changes_requested':
      return `${pct(result.shares.reject + result.shares.request_changes)} of the weighted votes are against approving it, without a majority to reject`;
    case 'deadlock':
      return `no threshold is met: ${pct(result.shares.approve)} approve (needed ${pct(policy.approveShare)}), ${pct(result.shares.reject)} reject, ${pct(result.shares.request_changes)} request changes`;
    case 'no_quorum':
      return `only ${result.votes.length} of the ${policy.quorum} votes needed arrived by the deadline`;
  }
}

export function explainConsensus(result: ConsensusResult, policy: ConsensusPolicy = DEFAULT_CONSENSUS_POLICY): ConsensusExplanation {
  const voters = result.votes.map((v) => ({ role: v.role, verdict: v.verdict, weight: policy.weights[v.role], score: v.score, reasons: v.reasons }));
  const summary = `${result.outcome.replace('_', ' ')}: ${why(result, policy)}.`;
  const lines = [
    summary,
    ...voters.map((v) => `- ${v.role} (weight ${v.weight}): ${v.verdict.replace('_', ' ')}, score ${v.score.toFixed(2)}${v.reasons.length > 0 ? ` — ${v.reasons.join('; ')}` : ''}`),
    ...(result.missing.length > 0 ? [`- no vote from: ${result.missing.join(', ')}`] : []),
    `Weighted quality score: ${result.quality.toFixed(2)}.`,
  ];
  return { outcome: result.outcome, summary, voters, missing: result.missing, text: lines.join('\n') };
}
