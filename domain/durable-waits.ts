import { z } from 'zod';

/**
 * Failures by which an activity says "not now, ask again in N ms" rather than
 * "this failed": an open circuit breaker, an LLM provider's rate limit. They
 * are non-retryable for Temporal, so waiting never spends a retry attempt;
 * the workflow sleeps the advised time on a durable timer (it survives worker
 * restarts) and calls again.
 */
export const WAIT_FAILURE_TYPES = ['CircuitOpenError', 'LlmRateLimitedError'] as const;
export type WaitFailureType = (typeof WAIT_FAILURE_TYPES)[number];

export const DURABLE_WAIT = {
  /** A breaker reports its remaining open time; never sleep less than this, so a closing breaker is not polled in a tight loop. */
  minDelayMs: 1_000,
  /** One sleep at most this long: a dependency that recovers early is noticed within it. */
  maxDelayMs: 5 * 60_000,
  /** When the failure carries no delay (a provider's 429 without retry-after). */
  defaultDelayMs: 5_000,
  /** Total waiting per call before its failure is surfaced as a failure (a dead letter, for a task's step). */
  maxTotalMs: 6 * 60 * 60_000,
  /** The workflow patch id guarding the waits, so histories recorded before them replay unchanged. */
  patchId: 'durable-waits-for-breakers-and-rate-limits',
} as const;

export interface WaitLimits {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly defaultDelayMs: number;
  readonly maxTotalMs: number;
}

/** What a wait failure carries in its details: how long to wait and on what (a breaker's or provider's name). */
export const WaitAdvice = z.object({
  on: z.string().min(1).max(200),
  retryAfterMs: z.number().finite().nonnegative().optional(),
});
export type WaitAdvice = z.infer<typeof WaitAdvice>;

export function isWaitFailureType(type: string | null | undefined): type is WaitFailureType {
  return (WAIT_FAILURE_TYPES as readonly string[]).includes(type ?? '');
}

/** The advice in a wait failure's first detail; a failure without a readable one still waits the default time. */
export function readWaitAdvice(type: WaitFailureType, details: readonly unknown[] | undefined): WaitAdvice {
  const parsed = WaitAdvice.safeParse(details?.[0]);
  return parsed.success ? parsed.data : { on: type };
}

/**
 * How long to sleep before the next call, or undefined when the call has
 * already waited its whole allowance and the failure should surface.
 */
export function nextWaitMs(advice: WaitAdvice, waitedMs: number, limits: WaitLimits = DURABLE_WAIT): number | undefined {
  if (waitedMs >= limits.maxTotalMs) return undefined;
  const asked = advice.retryAfterMs ?? limits.defaultDelayMs;
  const delay = Math.min(limits.maxDelayMs, Math.max(limits.minDelayMs, Math.ceil(asked)));
  return Math.min(delay, limits.maxTotalMs - waitedMs);
}
