import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConsensusOutcome } from '../domain/consensus.js';
import { innermostMessage } from '../domain/error-messages.js';
import type { EscalationOutcome, EscalationReason } from '../domain/escalation.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import { TaskWorkflowInput, type TaskResult } from '../domain/schemas/task.js';
import { PipelinePolicy } from '../domain/task-pipeline.js';
import type { TaskStatus } from '../domain/task-status.js';
import { describeZodError } from '../domain/validation.js';
import { escalationWorkflowId, peerReviewWorkflowId, taskIdFromWorkflowId } from '../domain/workflow-ids.js';
import { AutoFix, type Candidate } from './auto-fix.js';
import { DeadLetters, rootFailureType } from './dead-letter-step.js';
import { EscalationWorkflow } from './escalation-workflow.js';
import { PeerReviewWorkflow, type PeerReviewResult } from './peer-review-workflow.js';
import { TaskRun } from './task-run.js';
import { waitingActivities } from './durable-wait.js';

const records = waitingActivities(ACTIVITY_KINDS.records);

/** How a task that ended with this failure is shown. */
function endStatus(err: unknown): Extract<TaskStatus, 'cancelled' | 'discarded' | 'failed'> {
  if (isCancellation(err)) return 'cancelled';
  return rootFailureType(err) === 'TaskDiscardedError' ? 'discarded' : 'failed';
}

/**
 * One software task, end to end (queue `orchestrator`, id `task-<id>`):
 * develop → sandbox tests → security review → guards and auto-fix → peer
 * review (child) → escalation (child) when stuck → done. Every LLM call holds
 * its budget and gives back what it did not use however the task ends. Input
 * is plain JSON, validated here so that `temporal workflow start --type
 * TaskWorkflow --input '{…}'` is checked exactly like `POST /tasks`.
 */
export async function TaskWorkflow(rawInput: unknown): Promise<TaskResult> {
  const parsed = TaskWorkflowInput.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid TaskWorkflow input: ${describeZodError(parsed.error)}`, 'InvalidInputError');
  }
  const input = parsed.data;
  const { workflowId } = workflowInfo();
  const taskId = taskIdFromWorkflowId(workflowId);
  if (!taskId) {
    throw ApplicationFailure.nonRetryable(`invalid workflow id "${workflowId}": TaskWorkflow ids are task-<id>`, 'InvalidInputError');
  }
  const policy = PipelinePolicy.parse(await records.pipelinePolicy());
  const run = new TaskRun(taskId, input, policy);
  const deadLetters = new DeadLetters(run);

  try {
    await records.recordTaskStarted({ taskId, workflowId, input });
    await run.setStatus('running', false);
    await run.event('started', 'start', { title: input.title, language: input.language, requestedBy: input.requestedBy });
    const result = await new TaskPipeline(run, deadLetters).execute();
    run.working('done');
    await records.recordTaskFinished({ taskId, tenantId: input.tenantId, status: 'completed', result });
    await run.event('finished', 'done', { status: 'completed', acceptedBy: result.acceptedBy ?? null });
    await run.setStatus('completed', false);
    await condition(allHandlersFinished);
    return result;
  } catch (err) {
    const status = endStatus(err);
    // The run is being cancelled or failing; only a shielded scope still gets to record why.
    await CancellationScope.nonCancellable(async () => {
      if (status === 'cancelled') await deadLetters.closeOnCancel('task-cancel');
      await run.setStatus(status, false);
      await records.recordTaskFinished({ taskId, tenantId: input.tenantId, status, error: innermostMessage(err) });
      await run.event('finished', run.progress.step, { status, error: innermostMessage(err) });
      await condition(allHandlersFinished);
    });
    throw err;
  }
}

/** The pipeline's decisions after each review and escalation. */
class TaskPipeline {
  private readonly fix: AutoFix;
  private readonly escalationIds: string[] = [];
  private iterations = 0;

  constructor(
    private readonly run: TaskRun,
    private readonly deadLetters: DeadLetters,
  ) {
    this.fix = new AutoFix(run, deadLetters);
  }

  async execute(): Promise<TaskResult> {
    const { run } = this;
    let candidate: Candidate = await this.fix.develop();
    let roundsSinceEscalation = 0;
    let securityVetoed = false;
    let lastReview: PeerReviewResult | undefined;
    for (;;) {
      let reason: EscalationReason | undefined;
      let context: Record<string, unknown> = {};
      const checked = await this.fix.untilGuardsPass(candidate);
      this.iterations += run.progress.iteration;
      candidate = checked.candidate;
      if (!checked.ok) {
        reason = 'fix_iterations_exhausted';
        context = { detail: checked.reason, solutionId: candidate.solution.solutionId };
      } else {
        await this.fix.assertReviewable(candidate);
        const review = await this.review(candidate);
        lastReview = review;
        roundsSinceEscalation += 1;
        candidate = { ...candidate, peerReviewId: review.reviewId, quality: review.quality };
        if (review.outcome === 'approved' && review.quality >= run.policy.qualityThreshold) {
          return this.result(candidate, 'peer_review', review);
        }
        securityVetoed = review.vetoedBy === 'security';
        context = { reviewId: review.reviewId, outcome: review.outcome, quality: review.quality, explanation: review.explanation, solutionId: candidate.solution.solutionId };
        reason = escalationReasonOf(review.outcome);
        if (!reason && roundsSinceEscalation >= run.policy.maxReviewRounds) reason = 'review_rounds_exhausted';
        if (!reason) {
          run.progress.round += 1;
          // Approved below the quality threshold: the quality guard sends it to a refactor; changes requested: a revision.
          if (review.outcome !== 'approved') candidate = await this.fix.revise(candidate, 'review', [review.explanation]);
          continue;
        }
      }
      const outcome = await this.escalate(reason, context, securityVetoed || candidate.security?.approved === false);
      if (outcome.action === 'accept') return this.result(candidate, outcome.source, lastReview);
      if (outcome.action === 'abort') {
        throw ApplicationFailure.nonRetryable(`the task was aborted by ${outcome.decidedBy}: ${outcome.comment}`, 'TaskAbortedError');
      }
      roundsSinceEscalation = 0;
      securityVetoed = false;
      run.progress.round += 1;
      candidate = await this.fix.revise(candidate, 'escalation', [outcome.guidance ?? outcome.comment]);
    }
  }

  private async review(candidate: Candidate): Promise<PeerReviewResult> {
    const { run } = this;
    const reviewId = peerReviewWorkflowId(run.taskId, run.progress.round);
    run.progress.reviewId = reviewId;
    run.working(`review-r${run.progress.round}`);
    await run.setStatus('reviewing');
    const review = await this.deadLetters.step(`review-r${run.progress.round}`, (key) =>
      executeChild(PeerReviewWorkflow, {
        workflowId: key === `review-r${run.progress.round}` ? reviewId : `${reviewId}-${key.split('-').pop()}`,
        taskQueue: run.queue('peer-hub'),
        args: [{ taskId: run.taskId, tenantId: run.tenantId, solutionId: candidate.solution.solutionId, deadlineSeconds: run.policy.peerReviewDeadlineSeconds }],
      }),
    );
    await run.event('peer_review', `review-r${run.progress.round}`, { ...review });
    await run.setStatus('running');
    return review;
  }

  /** Escalates until one escalation decides; a failed one (deadline) escalates again, up to the policy's limit. */
  private async escalate(reason: EscalationReason, context: Record<string, unknown>, securityVetoed: boolean): Promise<EscalationOutcome> {
    const { run } = this;
    for (;;) {
      const n = this.escalationIds.length + 1;
      if (n > run.policy.maxEscalations) {
        throw ApplicationFailure.nonRetryable(`the task escalated ${n - 1} time(s) without a decision it could act on (limit ${run.policy.maxEscalations}); last reason ${reason}`, 'TaskEscalationFailedError');
      }
      const escalationId = escalationWorkflowId(run.taskId, n);
      this.escalationIds.push(escalationId);
      run.progress.escalationId = escalationId;
      run.working(`escalation-${n}`, 'supervisor');
      await run.setStatus('escalated');
      await run.event('escalation', `escalation-${n}`, { escalationId, reason, securityVetoed });
      try {
        const outcome = await executeChild(EscalationWorkflow, {
          workflowId: escalationId,
          taskQueue: run.queue('supervisor'),
          args: [{ taskId: run.taskId, tenantId: run.tenantId, reason, context, securityVetoed, deadlineSeconds: run.policy.escalationDeadlineSeconds, autoApplyConfidence: run.policy.autoApplyConfidence }],
        });
        await run.event('escalation_resolved', `escalation-${n}`, { escalationId, ...outcome });
        await run.setStatus('running');
        return outcome;
      } catch (err) {
        if (rootFailureType(err) !== 'EscalationDeadlineExceeded') throw err;
        await run.event('escalation_resolved', `escalation-${n}`, { escalationId, failed: innermostMessage(err) });
      }
    }
  }

  private result(candidate: Candidate, acceptedBy: NonNullable<TaskResult['acceptedBy']>, review?: PeerReviewResult): TaskResult {
    const { run } = this;
    return {
      taskId: run.taskId,
      tenantId: run.tenantId,
      status: 'completed',
      solution: candidate.solution,
      acceptedBy,
      ...(review ? { review: { reviewId: review.reviewId, outcome: review.outcome, quality: review.quality, explanation: review.explanation } } : {}),
      escalations: this.escalationIds,
      reviewRounds: run.progress.round,
      fixIterations: this.iterations,
    };
  }
}

function escalationReasonOf(outcome: ConsensusOutcome): EscalationReason | undefined {
  switch (outcome) {
    case 'deadlock':
      return 'review_deadlock';
    case 'rejected':
      return 'review_rejected';
    case 'no_quorum':
      return 'no_quorum';
    default:
      return undefined;
  }
}
