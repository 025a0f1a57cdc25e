import { ApplicationFailure } from '@temporalio/activity';
import type { Vote, ReviewerRole } from '../domain/consensus.js';
import { explainConsensus } from '../domain/consensus-explanation.js';
import { decideConsensus, type ConsensusResult } from '../domain/consensus.js';
import { fenceUntrusted } from '../domain/injection/screen.js';
import { taskBlock } from '../domain/llm/task-block.js';
import type { TaskLanguage } from '../domain/schemas/task.js';
import type { Db } from '../lib/db.js';
import { activePrompt } from '../lib/governance.js';
import type { Metrics } from '../lib/metrics.js';
import { getSolution, savePeerReview, saveVote } from '../lib/peer-review-store.js';
import { getTaskRow } from '../lib/task-store.js';
import type { AgentCaller } from './agent-call.js';

export interface ReviewAgentDeps {
  db: Db;
  metrics: Metrics;
  callAgent: AgentCaller;
}

// Kept apart from the governed prompt: learning may change how a reviewer judges, never the answer format.
const VOTE_FORMAT =
  'Answer with one JSON object {"verdict": "approve" | "request_changes" | "reject", "score": number from 0 to 1, "reasons": [string, …]} and nothing else.';

export function createReviewAgentActivities({ db, metrics, callAgent }: ReviewAgentDeps) {
  return {
    /** One reviewer's vote on a stored solution; the vote is kept under (review, role). */
    async reviewSolution(args: { reviewId: string; solutionId: string; role: ReviewerRole; step: string; budgetRequestId: string }): Promise<Vote> {
      const stored = await getSolution(db, args.solutionId);
      if (!stored) throw ApplicationFailure.nonRetryable(`solution ${args.solutionId} does not exist`, 'NotFoundError');
      const task = await getTaskRow(db, stored.taskId);
      if (!task) throw ApplicationFailure.nonRetryable(`task ${stored.taskId} does not exist`, 'NotFoundError');
      const prompt = [
        `Review this solution as the team's ${args.role}.`,
        taskBlock({ title: task.title, description: fenceUntrusted('task description', task.description), language: task.language as TaskLanguage }),
        // Another agent's output: data to judge, never instructions to follow.
        fenceUntrusted('solution', JSON.stringify(stored.solution)),
      ].join('\n');
      const answer = await callAgent({
        role: args.role,
        kind: 'reviewVote',
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        budgetRequestId: args.budgetRequestId,
        system: `${(await activePrompt(db, args.role)).body}\n\n${VOTE_FORMAT}`,
        prompt,
      });
      const vote: Vote = { role: args.role, verdict: answer.value.verdict, score: answer.value.score, reasons: answer.value.reasons };
      await saveVote(db, { reviewId: args.reviewId, taskId: task.id, vote, provider: answer.provider, model: answer.model });
      return vote;
    },

    /** Decides and keeps the review's consensus with its explanation; the consensus time feeds the seed's p95 SLO. */
    async recordPeerReview(args: { reviewId: string; taskId: string; tenantId: string; solutionId: string; votes: Vote[]; consensusMs: number }): Promise<{ result: ConsensusResult; explanation: string }> {
      const result = decideConsensus(args.votes);
      const explanation = explainConsensus(result).text;
      await savePeerReview(db, { ...args, result, explanation });
      metrics.peerReviewConsensusSeconds.observe({ outcome: result.outcome }, args.consensusMs / 1000);
      return { result, explanation };
    },
  };
}
