import type { CircuitBreaker } from '../circuit-breaker.js';
import { LlmProviderError } from './errors.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';

/**
 * A provider behind its endpoint's circuit breaker. Only failures of the
 * endpoint itself count (5xx, 429, time-outs, broken bodies): a 4xx is the
 * caller's problem and says the endpoint is up.
 */
export class GuardedProvider implements LlmProvider {
  readonly name: string;

  constructor(
    private readonly inner: LlmProvider,
    private readonly breaker: CircuitBreaker,
  ) {
    this.name = inner.name;
  }

  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse> {
    return this.breaker.call(() => this.inner.complete(request, signal));
  }
}

export function isEndpointFailure(err: unknown): boolean {
  return err instanceof LlmProviderError && err.retryable;
}
