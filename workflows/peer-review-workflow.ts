import { ApplicationFailure, CancellationScope, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities } from '../activities/index.js';
import { REVIEWER_ROLES, type ConsensusOutcome, type Vote } from '../domain/consensus.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import { TaskId, TenantId } from '../domain/schemas/task.js';
import { describeZodError } from '../domain/validation.js';
import { budgetedCall } from './budgeted-call.js';
import { waitingActivities } from './durable-wait.js';

const agents = proxyActivities<Activities>(ACTIVITY_KINDS.agent);
const records = waitingActivities(ACTIVITY_KINDS.records);

export const PeerReviewInput = z
  .object({
    taskId: TaskId,
    tenantId: TenantId,
    solutionId: z.uuid({ message: 'must be a solution id' }),
    /** Votes arriving later than this are not counted (the seed's review deadline). */
    deadlineSeconds: z.number().int().min(1).max(86_400).default(600),
  })
  .strict();
export type PeerReviewInput = z.input<typeof PeerReviewInput>;

export interface PeerReviewResult {
  reviewId: string;
  outcome: ConsensusOutcome;
  quality: number;
  votes: number;
  explanation: string;
  /** The role whose rejection vetoed the review, if one did. */
  vetoedBy: string | null;
}

// The workflow clock: replayed from history, so deterministic.
const workflowNow = () => new Date().getTime();

/**
 * One peer review of a solution (queue `peer-hub`): every reviewer role votes
 * in parallel, each call inside its own budget; votes still missing at the
 * deadline are cancelled (their holds released) and the review is decided on
 * what arrived — quorum, role weights, security veto — with an explanation
 * kept with the task.
 */
export async function PeerReviewWorkflow(rawInput: unknown): Promise<PeerReviewResult> {
  const parsed = PeerReviewInput.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid PeerReviewWorkflow input: ${describeZodError(parsed.error)}`, 'InvalidInputError');
  const input = parsed.data;
  const reviewId = workflowInfo().workflowId;
  const started = workflowNow();

  const votes: Vote[] = [];
  const voting = new CancellationScope();
  const all = voting.run(() =>
    Promise.allSettled(
      REVIEWER_ROLES.map((role) =>
        budgetedCall(input.tenantId, `review-${role}`, role, (budgetRequestId) =>
          agents.reviewSolution({ reviewId, solutionId: input.solutionId, role, step: `review-${role}`, budgetRequestId }),
        ).then((vote) => void votes.push(vote)),
      ),
    ),
  );
  const deadline = sleep(input.deadlineSeconds * 1000).then(() => 'deadline' as const);
  if ((await Promise.race([all.then(() => 'done' as const), deadline])) === 'deadline') voting.cancel();
  // A reviewer that failed for good, or was cut off by the deadline, has no vote; the explanation names it.
  await all;

  const { result, explanation } = await records.recordPeerReview({
    reviewId,
    taskId: input.taskId,
    tenantId: input.tenantId,
    solutionId: input.solutionId,
    votes,
    consensusMs: workflowNow() - started,
  });
  return { reviewId, outcome: result.outcome, quality: result.quality, votes: votes.length, explanation, vetoedBy: result.vetoedBy };
}
