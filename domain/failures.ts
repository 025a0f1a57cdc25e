/**
 * Every failure type the platform raises on purpose, and whether Temporal
 * should retry it. Retry policies take `nonRetryableErrorTypes` from here, so
 * a type is classified in exactly one place.
 */
export const FAILURE_TYPES = {
  /** Workflow or activity input failed schema validation: retrying cannot help. */
  InvalidInputError: { retryable: false },
  /**
   * An agent's answers failed the security layer (JSON, schema or injection
   * screening) on the first try and on every corrective retry: the workflow acts
   * on it (auto-fix or escalation); retrying the same prompt cannot help.
   */
  LlmAnswerRejectedError: { retryable: false },
  /** A tenant's remaining tokens cannot cover a reservation. */
  BudgetExceededError: { retryable: false },
  /** An idempotency key was reused with different parameters: a caller bug, not a transient state. */
  IdempotencyConflictError: { retryable: false },
  /** An identical budget request is still being processed elsewhere. */
  RequestInFlightError: { retryable: true },
  /** A commit or renewal named a reservation that does not exist. */
  ReservationNotFoundError: { retryable: false },
  /**
   * A dependency's circuit breaker is open. Not retried by Temporal: the
   * workflow waits the breaker's remaining open time on a durable timer and
   * calls again (domain/durable-waits.ts), so waiting spends no attempt.
   */
  CircuitOpenError: { retryable: false },
  /** An LLM provider answered 429: waited off in the workflow like an open breaker, never an attempt. */
  LlmRateLimitedError: { retryable: false },
  /**
   * An LLM provider's call failed (HTTP status, network, time-out, malformed
   * answer). Retryable as a type; each failure carries its own nonRetryable
   * flag (a 401 or 400 is permanent) and the server's retry-after as delay.
   */
  LlmProviderError: { retryable: true },
  /** A prompt update's state does not allow the decision (approving a rejected or expired update…). */
  PromptUpdateStateError: { retryable: false },
  /** A sandbox container did not match its hardened spec before or after a run: never retried, counted as escape. */
  SandboxContainmentError: { retryable: false },
  /** A sandbox run waited on its tenant's rate limit longer than the step allows. */
  SandboxRateLimitWaitExceeded: { retryable: false },
  /** A referenced record (task, solution) does not exist. */
  NotFoundError: { retryable: false },
  /** A solution reached peer review without passing every guard: refused and counted (security_guard_bypass_total). */
  GuardBypassError: { retryable: false },
  /** An operator discarded the task's dead letter: the task ends `discarded`, its budget released. */
  TaskDiscardedError: { retryable: false },
  /** An escalation decided to abort the task. */
  TaskAbortedError: { retryable: false },
  /** An escalation passed its deadline without a decision (escalation_failures_total); the task escalates again. */
  EscalationDeadlineExceeded: { retryable: false },
  /** The task ran out of escalations, or an escalation passed its deadline undecided too often. */
  TaskEscalationFailedError: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type FailureType = keyof typeof FAILURE_TYPES;

export const NON_RETRYABLE_FAILURE_TYPES: string[] = Object.entries(FAILURE_TYPES)
  .filter(([, spec]) => !spec.retryable)
  .map(([type]) => type);
