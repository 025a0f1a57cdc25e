import { NON_RETRYABLE_FAILURE_TYPES } from './failures.js';

/**
 * Timeouts and retry policies per kind of activity, defined once; workflows
 * pass these to `proxyActivities`. Backoff follows the seed's DLQ consumer
 * (1 s, doubling, 5 attempts for work that costs; more for cheap bookkeeping),
 * and the non-retryable types come from domain/failures.ts. Waiting for a
 * rate limit or an open breaker is a durable timer in the workflow, never an
 * attempt.
 */
export interface RetryPolicySpec {
  readonly initialInterval: string;
  readonly backoffCoefficient: number;
  readonly maximumInterval: string;
  readonly maximumAttempts: number;
  readonly nonRetryableErrorTypes: string[];
}

export interface ActivityKindSpec {
  readonly startToCloseTimeout: string;
  readonly heartbeatTimeout?: string;
  readonly retry: RetryPolicySpec;
}

const retry = (initialInterval: string, maximumInterval: string, maximumAttempts: number, extraNonRetryable: readonly string[] = []): RetryPolicySpec => ({
  initialInterval,
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES, ...extraNonRetryable],
});

export const ACTIVITY_KINDS = {
  /** Postgres bookkeeping (task rows, budget holds, governance): cheap and idempotent, so retried longer. */
  records: { startToCloseTimeout: '30s', retry: retry('1s', '30s', 10) },
  /** LLM calls: slow, heartbeating, and every attempt costs tokens. */
  agent: { startToCloseTimeout: '5m', heartbeatTimeout: '10s', retry: retry('1s', '1m', 5) },
  /** Periodic maintenance: the next schedule run is the real retry. */
  maintenance: { startToCloseTimeout: '2m', retry: retry('1s', '30s', 3) },
  /** Backups: a dump of a large database takes far longer than maintenance; retried once, then the next day's run. */
  backup: { startToCloseTimeout: '1h', retry: retry('1m', '10m', 2) },
} as const satisfies Record<string, ActivityKindSpec>;

export type ActivityKind = keyof typeof ACTIVITY_KINDS;
