import { z } from 'zod';
import type { SupervisorAction, SupervisorSynthesisAnswer } from './llm/answer-schemas.js';

/** Why a task escalated; kept in `escalations.reason`. */
export const ESCALATION_REASONS = ['review_deadlock', 'review_rejected', 'review_rounds_exhausted', 'fix_iterations_exhausted', 'no_quorum'] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/**
 * What an escalation decides for its task: accept the current solution,
 * revise it (back to the developer with guidance, through guards and review
 * again), or abort the task.
 */
export const ESCALATION_ACTIONS = ['accept', 'revise', 'abort'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];

/** A human decision, as the Temporal update `resolve` carries it (the API fills `decidedBy` with the verified actor). */
export const EscalationDecision = z
  .object({
    action: z.enum(ESCALATION_ACTIONS),
    comment: z.string().trim().min(1, 'must not be empty').max(4_000, 'must be at most 4000 characters'),
    /** For `revise`: what the developer should change. */
    guidance: z.string().trim().min(1).max(4_000).optional(),
    decidedBy: z.string().min(1).max(200),
  })
  .strict()
  .refine((d) => d.action !== 'revise' || d.guidance !== undefined, { message: 'guidance is required when action is revise', path: ['guidance'] });
export type EscalationDecision = z.infer<typeof EscalationDecision>;

/** Only what the API body carries; the actor comes from the token. */
export const EscalationDecisionBody = z
  .object({
    action: z.enum(ESCALATION_ACTIONS),
    comment: z.string().trim().min(1, 'must not be empty').max(4_000, 'must be at most 4000 characters'),
    guidance: z.string().trim().min(1).max(4_000).optional(),
  })
  .strict()
  .refine((d) => d.action !== 'revise' || d.guidance !== undefined, { message: 'guidance is required when action is revise', path: ['guidance'] })
  .meta({ id: 'EscalationDecisionBody' });

export const ESCALATION_STATUSES = ['open', 'awaiting_human', 'auto_applied', 'resolved', 'failed'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

/** How an escalation ended, as the task workflow acts on it. */
export interface EscalationOutcome {
  action: EscalationAction;
  source: 'supervisor' | 'human';
  decidedBy: string;
  comment: string;
  guidance?: string;
}

/** What the EscalationWorkflow's query `escalationState` shows. */
export interface EscalationState {
  escalationId: string;
  taskId: string;
  status: EscalationStatus;
  reason: EscalationReason;
  synthesis?: SupervisorSynthesisAnswer;
  /** Why the supervisor's synthesis is missing (its call failed), if it is. */
  synthesisError?: string;
  /** Why the synthesis was not applied on its own, while a human decides. */
  waitingBecause?: string;
  outcome?: EscalationOutcome;
}

const ACTION_OF_PLAN: Readonly<Record<SupervisorAction, EscalationAction | 'human'>> = {
  accept: 'accept',
  retry_task: 'revise',
  request_changes: 'revise',
  add_tests: 'revise',
  security_review: 'revise',
  refactor: 'revise',
  escalate_to_human: 'human',
  abort: 'abort',
};

export type AutoApplyVerdict = { apply: true; outcome: EscalationOutcome } | { apply: false; why: string };

/**
 * Whether the supervisor's synthesis is applied without a human. Never to
 * abort a task (a person ends work), never to accept what security vetoed,
 * never below the configured confidence.
 */
export function autoApplyVerdict(synthesis: SupervisorSynthesisAnswer, policy: { minConfidence: number; securityVetoed: boolean }): AutoApplyVerdict {
  const first = synthesis.action_plan[0]!;
  const action = ACTION_OF_PLAN[first.action];
  if (action === 'human') return { apply: false, why: 'the supervisor asks for a human decision' };
  if (action === 'abort') return { apply: false, why: 'aborting a task needs a human decision' };
  if (action === 'accept' && policy.securityVetoed) return { apply: false, why: 'security vetoed this solution; only a human may accept it' };
  if (synthesis.confidence < policy.minConfidence) {
    return { apply: false, why: `confidence ${synthesis.confidence.toFixed(2)} is below ${policy.minConfidence}` };
  }
  const guidance = action === 'revise' ? synthesis.action_plan.map((s) => `${s.action}${s.target ? ` (${s.target})` : ''}: ${s.reason}`).join('\n') : undefined;
  return {
    apply: true,
    outcome: { action, source: 'supervisor', decidedBy: 'supervisor-agent', comment: synthesis.reasoning, ...(guidance ? { guidance } : {}) },
  };
}
