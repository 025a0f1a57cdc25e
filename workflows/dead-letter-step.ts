import { ApplicationFailure, CancellationScope, condition, isCancellation, setHandler, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import { DeadLetterDecision, TASK_ENDING_FAILURE_TYPES, type DeadLetterAction } from '../domain/dead-letters.js';
import { innermostMessage } from '../domain/error-messages.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../domain/failures.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import type { TaskStatus } from '../domain/task-status.js';
import { describeZodError } from '../domain/validation.js';
import { rootApplicationFailure, waitingActivities } from './durable-wait.js';
import { discardUpdate, redriveUpdate } from './messages.js';
import type { TaskRun } from './task-run.js';

const records = waitingActivities(ACTIVITY_KINDS.records);

/** The failure type at the root of a step's failure (activity or child), if it is an application failure. */
export function rootFailureType(err: unknown): string | undefined {
  return rootApplicationFailure(err)?.type ?? undefined;
}

interface Parked {
  deadLetterId: number;
  step: string;
  decision?: { action: DeadLetterAction; by: string; comment?: string };
}

/**
 * Dead letters instead of a DLQ: a step whose retries are exhausted is
 * recorded in `dlq_messages`, and the task parks (status dead_lettered) until
 * an operator re-drives the step — it runs again under a fresh budget key —
 * or discards the task. Failures that a re-run cannot change end the task.
 */
export class DeadLetters {
  private parked: Parked | undefined;

  constructor(private readonly run: TaskRun) {
    const validate = (raw: DeadLetterDecision) => {
      const parsed = DeadLetterDecision.safeParse(raw);
      if (!parsed.success) throw new Error(`invalid dead-letter decision: ${describeZodError(parsed.error)}`);
      if (!this.parked) throw new Error('the task has no open dead letter');
      if (parsed.data.deadLetterId !== this.parked.deadLetterId) {
        throw new Error(`dead letter ${parsed.data.deadLetterId} is not the task's open one (${this.parked.deadLetterId})`);
      }
      if (this.parked.decision) throw new Error(`dead letter ${this.parked.deadLetterId} is already being ${this.parked.decision.action === 'redrive' ? 're-driven' : 'discarded'}`);
    };
    const decide = (action: DeadLetterAction) => (d: DeadLetterDecision) => {
      const parked = this.parked!;
      parked.decision = { action, by: d.by, comment: d.comment };
      return { deadLetterId: parked.deadLetterId, step: parked.step };
    };
    setHandler(redriveUpdate, decide('redrive'), { validator: validate });
    setHandler(discardUpdate, decide('discard'), { validator: validate });
  }

  /** The open dead letter, for closing it when the task is cancelled. */
  get open(): number | undefined {
    return this.parked?.deadLetterId;
  }

  /** Runs `fn` under `step`; after a re-drive it runs again as `<step>-d<n>` (a fresh budget and record key). */
  async step<T>(step: string, fn: (key: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const key = attempt === 0 ? step : `${step}-d${attempt}`;
      try {
        return await fn(key);
      } catch (err) {
        const type = rootFailureType(err);
        // Cancellation is the operator's; a plain Error is a bug in workflow code (it fails the workflow task and is retried there).
        if (isCancellation(err) || !(err instanceof TemporalFailure) || (type && TASK_ENDING_FAILURE_TYPES.includes(type))) throw err;
        await this.park(key, err, type);
      }
    }
  }

  private async park(key: string, err: TemporalFailure, type: string | undefined): Promise<void> {
    const { run } = this;
    const before: TaskStatus = run.progress.status;
    const deadLetterId = await records.recordDeadLetter({
      tenantId: run.tenantId,
      taskId: run.taskId,
      workflowId: workflowInfo().workflowId,
      step: key,
      data: { taskId: run.taskId, step: key, round: run.progress.round, iteration: run.progress.iteration, solutionId: run.progress.solutionId ?? null },
      error: innermostMessage(err),
      errorType: type,
      // Temporal reports the last failure, not the count; a non-retryable one failed on its only attempt.
      attempts: type !== undefined && NON_RETRYABLE_FAILURE_TYPES.includes(type) ? 1 : ACTIVITY_KINDS.agent.retry.maximumAttempts,
    });
    this.parked = { deadLetterId, step: key };
    run.progress.deadLetterId = deadLetterId;
    await run.setStatus('dead_lettered');
    await run.event('dead_letter', key, { deadLetterId, error: innermostMessage(err), errorType: type ?? null });

    const decided = await condition(() => this.parked?.decision !== undefined, run.policy.deadLetterDeadlineSeconds * 1000);
    const decision = this.parked.decision;
    this.parked = undefined;
    run.progress.deadLetterId = undefined;
    if (!decided || !decision) {
      await records.resolveDeadLetter({ deadLetterId, resolution: 'expired', by: 'deadline' });
      await run.event('dead_letter_resolved', key, { deadLetterId, resolution: 'expired' });
      throw ApplicationFailure.nonRetryable(`dead letter ${deadLetterId} (${key}) was neither re-driven nor discarded within ${run.policy.deadLetterDeadlineSeconds} s`, 'TaskDiscardedError');
    }
    const resolution = decision.action === 'redrive' ? 'redriven' : 'discarded';
    await records.resolveDeadLetter({ deadLetterId, resolution, by: decision.by });
    await run.event('dead_letter_resolved', key, { deadLetterId, resolution, by: decision.by, comment: decision.comment ?? null });
    if (decision.action === 'discard') {
      throw ApplicationFailure.nonRetryable(`the task was discarded by ${decision.by} at its dead letter ${deadLetterId} (${key})`, 'TaskDiscardedError');
    }
    await run.setStatus(before);
  }

  /** Closes the open dead letter of a task that is being cancelled (call from a non-cancellable scope). */
  async closeOnCancel(by: string): Promise<void> {
    const id = this.open;
    if (id === undefined) return;
    await CancellationScope.nonCancellable(() => records.resolveDeadLetter({ deadLetterId: id, resolution: 'task_cancelled', by }));
  }
}
