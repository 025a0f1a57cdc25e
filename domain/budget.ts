import { z } from 'zod';
import type { AgentRole } from './agent-roles.js';
import { TenantId } from './schemas/task.js';

/**
 * Token budgets, the policy in one place:
 * - Each LLM call reserves, before it runs, the most it can cost: its prompt
 *   cap plus its `max_tokens`. So actual usage can never exceed the reservation.
 * - The reservation's request id is the workflow id + step: a retried
 *   reservation finds the first one and is never charged twice.
 * - Each attempt of the call holds the full amount again before it runs and
 *   commits its actual usage under (request id, attempt). A failed attempt's
 *   tokens were really spent, so they count, once per attempt, never twice
 *   for the same attempt. An answer the security layer rejects is asked again
 *   with a correction inside the same attempt: every such round is held and
 *   charged under its own key (`usageAttempt`).
 * - When the call is done (or fails, or is cancelled) whatever is still held
 *   is released; holds of crashed workers expire and are swept.
 */
export const BUDGET_PERIODS = ['daily', 'monthly', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export const RESERVATION_STATES = ['reserved', 'committed', 'released', 'expired'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/** Per-call caps by agent role; a call's reservation is their sum. */
export const LLM_CALL_LIMITS = {
  developer: { maxPromptTokens: 8_000, maxCompletionTokens: 4_000 },
  tester: { maxPromptTokens: 8_000, maxCompletionTokens: 3_000 },
  reviewer: { maxPromptTokens: 10_000, maxCompletionTokens: 1_000 },
  security: { maxPromptTokens: 10_000, maxCompletionTokens: 1_500 },
  architect: { maxPromptTokens: 10_000, maxCompletionTokens: 1_000 },
  supervisor: { maxPromptTokens: 12_000, maxCompletionTokens: 1_500 },
} as const satisfies Record<AgentRole, { maxPromptTokens: number; maxCompletionTokens: number }>;
export type BudgetedRole = keyof typeof LLM_CALL_LIMITS;

export function callReservation(role: BudgetedRole): number {
  const limits = LLM_CALL_LIMITS[role];
  return limits.maxPromptTokens + limits.maxCompletionTokens;
}

/**
 * Usage keys of one call: each answer round of each activity attempt is its
 * own key, since each spent tokens. A fixed stride (not the configured number
 * of rounds) keeps keys apart even when the configuration changes between attempts.
 */
export const ROUNDS_PER_ATTEMPT_STRIDE = 100;
export const MAX_USAGE_ATTEMPT = 10_000;

/** The ledger's attempt key for `round` (0 = first answer) of activity attempt `activityAttempt` (from 1). */
export function usageAttempt(activityAttempt: number, round: number): number {
  if (!Number.isInteger(round) || round < 0 || round >= ROUNDS_PER_ATTEMPT_STRIDE) throw new RangeError(`answer round ${round} is outside 0..${ROUNDS_PER_ATTEMPT_STRIDE - 1}`);
  const key = (activityAttempt - 1) * ROUNDS_PER_ATTEMPT_STRIDE + round + 1;
  if (!Number.isInteger(activityAttempt) || activityAttempt < 1 || key > MAX_USAGE_ATTEMPT) {
    throw new RangeError(`activity attempt ${activityAttempt} is outside 1..${MAX_USAGE_ATTEMPT / ROUNDS_PER_ATTEMPT_STRIDE}`);
  }
  return key;
}

export function budgetRequestId(workflowId: string, step: string): string {
  return `${workflowId}:${step}`;
}

export const RequestId = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'must be letters, digits and "_ . : @ -"');

export const ReserveRequest = z
  .object({
    requestId: RequestId,
    tenantId: TenantId,
    amount: z.number().int('must be a whole number of tokens').positive().max(10_000_000),
  })
  .strict();
export type ReserveRequest = z.infer<typeof ReserveRequest>;

export const CommitRequest = z
  .object({
    requestId: RequestId,
    attempt: z.number().int().min(1).max(MAX_USAGE_ATTEMPT),
    tokens: z.number().int('must be a whole number of tokens').min(0).max(10_000_000),
    /** The call is done: give back the rest of its hold in the same transaction. */
    final: z.boolean().optional(),
  })
  .strict();
export type CommitRequest = z.infer<typeof CommitRequest>;

export interface ReserveDecision {
  requestId: string;
  tenantId: string;
  amount: number;
  granted: boolean;
  /** Tokens the tenant had left right after this decision. */
  remaining: number;
  expiresAt: string | null;
  /** True when this is the stored answer to an earlier identical request. */
  replayed: boolean;
}

export interface CommitOutcome {
  requestId: string;
  attempt: number;
  tokens: number;
  /** `over_limit`: the hold had expired and the limit no longer covers the usage; nothing was charged. */
  outcome: 'committed' | 'over_limit';
  replayed: boolean;
}

export interface ReleaseOutcome {
  requestId: string;
  released: number;
  state: ReservationState | null;
}

export const BudgetLimitUpdate = z
  .object({
    totalLimit: z.number().int('must be a whole number of tokens').min(0).max(1e15),
    period: z.enum(BUDGET_PERIODS).optional(),
  })
  .strict()
  .meta({ id: 'BudgetLimitUpdate' });
export type BudgetLimitUpdate = z.infer<typeof BudgetLimitUpdate>;

export const BudgetStatus = z
  .object({
    tenantId: z.string(),
    totalLimit: z.number(),
    period: z.enum(BUDGET_PERIODS),
    periodStart: z.string(),
    reserved: z.number(),
    committed: z.number(),
    remaining: z.number(),
  })
  .meta({ id: 'BudgetStatus' });
export type BudgetStatus = z.infer<typeof BudgetStatus>;
