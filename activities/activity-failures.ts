import { ApplicationFailure } from '@temporalio/activity';
import { BudgetExceededError, IdempotencyConflictError, ReservationNotFoundError } from '../lib/budget/errors.js';
import { CircuitOpenError, toActivityFailure as circuitOpenFailure } from '../lib/circuit-breaker.js';
import { LlmProviderError, toActivityFailure as providerFailure } from '../lib/llm/errors.js';

/**
 * Our errors as Temporal failures, so the retry policy does the right thing:
 * permanent ones are non-retryable under their own type, an open breaker or a
 * rate-limited provider is retried after exactly the delay it asked for.
 * Anything else stays a plain (retryable) error.
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof BudgetExceededError || err instanceof IdempotencyConflictError || err instanceof ReservationNotFoundError) {
    return ApplicationFailure.nonRetryable(err.message, err.name);
  }
  if (err instanceof CircuitOpenError) return circuitOpenFailure(err);
  if (err instanceof LlmProviderError) return providerFailure(err);
  return err;
}

/**
 * Every activity's failures through `asActivityFailure`, wherever in it the
 * error arose: an open breaker met by plain bookkeeping must reach the workflow
 * as the same wait as one met by an agent call.
 */
export function withActivityFailures<A extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: A): A {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    const fn = activity as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = {
      // The function's own name is what Temporal registers and shows; keep it.
      async [name](...args: unknown[]) {
        try {
          return await fn(...args);
        } catch (err) {
          throw asActivityFailure(err);
        }
      },
    }[name];
  }
  return wrapped as A;
}
