import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities } from '../activities/index.js';
import { autoApplyVerdict, ESCALATION_REASONS, EscalationDecision, type EscalationOutcome, type EscalationState } from '../domain/escalation.js';
import type { SupervisorSynthesisAnswer } from '../domain/llm/answer-schemas.js';
import { innermostMessage } from '../domain/error-messages.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import { TaskId, TenantId } from '../domain/schemas/task.js';
import { describeZodError } from '../domain/validation.js';
import { parseEscalationWorkflowId } from '../domain/workflow-ids.js';
import { budgetedCall } from './budgeted-call.js';
import { escalationStateQuery, resolveEscalationUpdate } from './messages.js';
import { waitingActivities } from './durable-wait.js';

const agents = proxyActivities<Activities>(ACTIVITY_KINDS.agent);
const records = waitingActivities(ACTIVITY_KINDS.records);

export const EscalationInput = z
  .object({
    taskId: TaskId,
    tenantId: TenantId,
    reason: z.enum(ESCALATION_REASONS),
    /** What led here (review id, explanation, guard failures…), kept with the escalation for the supervisor and humans. */
    context: z.record(z.string(), z.unknown()).default({}),
    /** Security vetoed the solution: it is never accepted without a human. */
    securityVetoed: z.boolean().default(false),
    deadlineSeconds: z.number().int().min(1).max(7 * 86_400),
    autoApplyConfidence: z.number().min(0).max(1),
  })
  .strict();
export type EscalationInput = z.input<typeof EscalationInput>;

// The workflow clock: replayed from history, so deterministic.
const workflowNow = () => new Date().getTime();

/**
 * One escalation of a task (queue `supervisor`, id `escalation-<task>-<n>`):
 * the supervisor agent proposes a synthesis, applied at once when confident
 * enough and allowed; otherwise a human decides with the update `resolve`
 * before the deadline — or the escalation fails and the task escalates again.
 */
export async function EscalationWorkflow(rawInput: unknown): Promise<EscalationOutcome> {
  const parsed = EscalationInput.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid EscalationWorkflow input: ${describeZodError(parsed.error)}`, 'InvalidInputError');
  const input = parsed.data;
  const escalationId = workflowInfo().workflowId;
  const id = parseEscalationWorkflowId(escalationId);
  if (!id || id.taskId !== input.taskId) {
    throw ApplicationFailure.nonRetryable(`invalid workflow id "${escalationId}": escalations of task ${input.taskId} are escalation-${input.taskId}-<n>`, 'InvalidInputError');
  }
  const opened = workflowNow();
  const state: EscalationState = { escalationId, taskId: input.taskId, status: 'open', reason: input.reason };
  setHandler(escalationStateQuery, () => state);
  setHandler(
    resolveEscalationUpdate,
    (decision) => {
      const outcome: EscalationOutcome = { action: decision.action, source: 'human', decidedBy: decision.decidedBy, comment: decision.comment };
      if (decision.guidance) outcome.guidance = decision.guidance;
      state.outcome = outcome;
      return outcome;
    },
    {
      // Refused before anything is recorded in the history.
      validator: (raw) => {
        const d = EscalationDecision.safeParse(raw);
        if (!d.success) throw new Error(`invalid escalation decision: ${describeZodError(d.error)}`);
        if (state.outcome) throw new Error(`escalation ${escalationId} is already decided (${state.outcome.action} by ${state.outcome.decidedBy})`);
        if (state.status === 'failed') throw new Error(`escalation ${escalationId} has passed its deadline`);
      },
    },
  );

  await records.openEscalation({ id: escalationId, taskId: input.taskId, tenantId: input.tenantId, seq: id.n, reason: input.reason, context: input.context });

  let synthesis: SupervisorSynthesisAnswer | undefined;
  try {
    synthesis = await budgetedCall(input.tenantId, 'synthesis', 'supervisor', (budgetRequestId) =>
      agents.synthesizeEscalation({ escalationId, taskId: input.taskId, step: 'synthesis', budgetRequestId }),
    );
    state.synthesis = synthesis;
  } catch (err) {
    // Without a synthesis a human still decides; why it is missing is kept for them.
    state.synthesisError = innermostMessage(err);
  }

  if (!state.outcome && synthesis) {
    const verdict = autoApplyVerdict(synthesis, { minConfidence: input.autoApplyConfidence, securityVetoed: input.securityVetoed });
    if (verdict.apply) {
      state.outcome = verdict.outcome;
      state.status = 'auto_applied';
      await records.recordEscalation({ id: escalationId, reason: input.reason, status: 'auto_applied', synthesis, decision: verdict.outcome, openForMs: workflowNow() - opened });
      return verdict.outcome;
    }
    state.waitingBecause = verdict.why;
  }

  if (!state.outcome) {
    state.status = 'awaiting_human';
    await records.recordEscalation({ id: escalationId, reason: input.reason, status: 'awaiting_human', synthesis });
  }
  const decided = await condition(() => state.outcome !== undefined, input.deadlineSeconds * 1000);
  if (!decided) {
    state.status = 'failed';
    await records.recordEscalation({ id: escalationId, reason: input.reason, status: 'failed', synthesis });
    await condition(allHandlersFinished);
    throw ApplicationFailure.nonRetryable(`escalation ${escalationId} was not decided within ${input.deadlineSeconds} s`, 'EscalationDeadlineExceeded');
  }
  state.status = 'resolved';
  await records.recordEscalation({ id: escalationId, reason: input.reason, status: 'resolved', synthesis, decision: state.outcome!, openForMs: workflowNow() - opened });
  await condition(allHandlersFinished);
  return state.outcome!;
}
