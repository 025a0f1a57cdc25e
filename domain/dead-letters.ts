import { z } from 'zod';

/**
 * Failures that end a task instead of parking it as a dead letter: re-driving
 * the same step with the same input cannot change them (bad input, a missing
 * record, a sandbox that did not hold). Everything else that exhausts its
 * retries — an outage, an exhausted budget, answers rejected after every
 * correction — parks the task for an operator.
 */
export const TASK_ENDING_FAILURE_TYPES: readonly string[] = ['InvalidInputError', 'NotFoundError', 'SandboxContainmentError', 'IdempotencyConflictError', 'GuardBypassError'];

export const DEAD_LETTER_ACTIONS = ['redrive', 'discard'] as const;
export type DeadLetterAction = (typeof DEAD_LETTER_ACTIONS)[number];

/** The update `redrive` / `discard` on a parked task (the API fills `by` with the verified actor). */
export const DeadLetterDecision = z
  .object({
    deadLetterId: z.number().int().positive(),
    by: z.string().min(1).max(200),
    comment: z.string().trim().max(4_000).optional(),
  })
  .strict();
export type DeadLetterDecision = z.infer<typeof DeadLetterDecision>;

export const DeadLetterBody = z
  .object({ comment: z.string().trim().max(4_000, 'must be at most 4000 characters').optional() })
  .strict()
  .meta({ id: 'DeadLetterBody' });

export const DEAD_LETTER_RESOLUTIONS = ['redriven', 'discarded', 'task_cancelled', 'expired'] as const;
export type DeadLetterResolution = (typeof DEAD_LETTER_RESOLUTIONS)[number];

/** The subject of a dead letter in the seed's `original_subject` column. */
export function deadLetterSubject(workflowId: string, step: string): string {
  return `${workflowId}/${step}`;
}
