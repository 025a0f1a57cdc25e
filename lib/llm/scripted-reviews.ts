import type { AgentRole } from '../../domain/agent-roles.js';
import { REVIEW_VERDICTS, type ReviewVerdict, type ReviewVoteAnswer } from '../../domain/llm/answer-schemas.js';
import { securityDirectiveOf } from './scripted-directives.js';
import { SCRIPTED_LABEL } from './scripted-scripts.js';

const LABEL = SCRIPTED_LABEL;

// `scripted-vote: security=reject, architect=request_changes` in the task text decides those roles' votes.
const DIRECTIVE = /scripted-vote:\s*((?:[a-z]+\s*=\s*[a-z_]+[\s,]*)+)/i;

/** The votes a task's text asks the stand-in to cast, by reviewer role. */
export function votesFromText(text: string): Partial<Record<AgentRole, ReviewVerdict>> {
  const match = DIRECTIVE.exec(text);
  if (!match) return {};
  const votes: Partial<Record<AgentRole, ReviewVerdict>> = {};
  for (const [, role, verdict] of match[1]!.matchAll(/([a-z]+)\s*=\s*([a-z_]+)/gi)) {
    if (!(REVIEW_VERDICTS as readonly string[]).includes(verdict!.toLowerCase())) {
      throw new RangeError(`unknown scripted vote "${verdict}" for ${role}; known: ${REVIEW_VERDICTS.join(', ')}`);
    }
    votes[role!.toLowerCase() as AgentRole] = verdict!.toLowerCase() as ReviewVerdict;
  }
  return votes;
}

const SCORE: Readonly<Record<ReviewVerdict, number>> = { approve: 0.86, request_changes: 0.45, reject: 0.15 };

/**
 * A reviewer's vote: approve unless the task's text scripts otherwise. A task
 * whose security agent always rejects (`scripted-security: reject`) also gets
 * the security reviewer's reject, unless `scripted-vote:` names its vote.
 */
export function scriptedReviewVote(role: AgentRole, description: string): ReviewVoteAnswer {
  const fallback: ReviewVerdict = role === 'security' && securityDirectiveOf(description) === 'reject' ? 'reject' : 'approve';
  const verdict = votesFromText(description)[role] ?? fallback;
  return {
    verdict,
    score: SCORE[verdict],
    reasons: [`${role} review by the ${LABEL}: ${verdict.replace('_', ' ')}`],
  };
}
