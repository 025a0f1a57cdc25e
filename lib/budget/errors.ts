/** Thrown when a tenant's remaining tokens cannot cover a reservation (or a retry's renewed hold). */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  constructor(
    readonly tenantId: string,
    readonly requested: number,
    readonly remaining: number,
  ) {
    super(`tenant ${tenantId} cannot cover ${requested} tokens (${remaining} remaining)`);
  }
}

/** Thrown when a request id is reused with other parameters, as with Stripe's idempotency keys. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(readonly key: string) {
    super(`request id ${key} was already used with different parameters`);
  }
}

/** Thrown when an identical request is still being processed elsewhere and did not finish in time; retry it. */
export class RequestInFlightError extends Error {
  override readonly name = 'RequestInFlightError';
  constructor(readonly key: string) {
    super(`request ${key} is still being processed by another caller; retry shortly`);
  }
}

/** Thrown when a commit or renewal names a reservation that does not exist. */
export class ReservationNotFoundError extends Error {
  override readonly name = 'ReservationNotFoundError';
  constructor(readonly requestId: string) {
    super(`no reservation ${requestId}`);
  }
}
