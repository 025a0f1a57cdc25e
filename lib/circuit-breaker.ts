import { ApplicationFailure } from '@temporalio/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  BREAKER_STATE_GAUGE,
  canPass,
  initialBreakerState,
  openSeconds,
  onFailure,
  onSuccess,
  reset,
  resolveBreakerOptions,
  retryAfterMs,
  type BreakerOptions,
  type BreakerState,
  type BreakerStateName,
} from '../domain/circuit-breaker.js';
import type { WaitAdvice, WaitFailureType } from '../domain/durable-waits.js';
import { METRICS } from '../domain/metric-names.js';

/** Thrown by `CircuitBreaker.call` instead of calling a dependency whose breaker refuses calls. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(readonly breaker: string, readonly retryAfterMs: number) {
    super(`circuit breaker ${breaker} is open; retry in ${retryAfterMs} ms`);
  }
}

export interface CircuitBreakerOptions extends Partial<BreakerOptions> {
  /** Which errors count against the dependency; others (e.g. a 4xx) pass through as answers. Default: all. */
  isFailure?: (err: unknown) => boolean;
}

export interface BreakerStats {
  name: string;
  state: BreakerStateName;
  failures: number;
  totalFailures: number;
  totalSuccesses: number;
  lastFailureAt: number | null;
  lastFailureMessage: string | null;
  openedAt: number | null;
  /** 0 when a call would be tried now. */
  retryAfterMs: number;
  /** How long it has been OPEN; 0 when not OPEN. */
  openSeconds: number;
}

export class CircuitBreaker {
  readonly options: BreakerOptions;
  private readonly isFailure: (err: unknown) => boolean;
  private state: BreakerState = initialBreakerState();

  constructor(
    readonly name: string,
    options: CircuitBreakerOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    const { isFailure, ...breakerOptions } = options;
    this.options = resolveBreakerOptions(breakerOptions);
    this.isFailure = isFailure ?? (() => true);
  }

  /** Runs `fn` if the breaker lets it through; throws `CircuitOpenError` without calling it otherwise. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    const decision = canPass(this.state, this.clock(), this.options);
    if (!decision.allowed) throw new CircuitOpenError(this.name, decision.retryAfterMs);
    this.state = decision.state;
    const ctx = { options: this.options, generation: decision.generation };
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      // An error the filter excludes is still an answer from the dependency: it counts as a
      // success, which also frees a HALF_OPEN trial slot.
      this.state = this.isFailure(err)
        ? onFailure(this.state, this.clock(), { ...ctx, message: err instanceof Error ? err.message : String(err) })
        : onSuccess(this.state, this.clock(), ctx);
      throw err;
    }
    this.state = onSuccess(this.state, this.clock(), ctx);
    return result;
  }

  stats(): BreakerStats {
    const s = this.state;
    return {
      name: this.name,
      state: s.state,
      failures: s.failures,
      totalFailures: s.totalFailures,
      totalSuccesses: s.totalSuccesses,
      lastFailureAt: s.lastFailureAt,
      lastFailureMessage: s.lastFailureMessage,
      openedAt: s.openedAt,
      retryAfterMs: retryAfterMs(s, this.clock(), this.options),
      openSeconds: openSeconds(s, this.clock()),
    };
  }

  /** The seed runbook's `breaker.reset_manually()`: CLOSED now, counters kept. */
  resetManually(): void {
    this.state = reset(this.state);
  }
}

/** One breaker per dependency name, shared by every caller in the process. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Creates the breaker on first use; later calls return it and ignore `options`. */
  get(name: string, options?: CircuitBreakerOptions): CircuitBreaker {
    let breaker = this.breakers.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker(name, options, this.clock);
      this.breakers.set(name, breaker);
    }
    return breaker;
  }

  all(): BreakerStats[] {
    return [...this.breakers.values()].map((b) => b.stats());
  }

  /** Manually closes a breaker; false if no breaker has that name. */
  reset(name: string): boolean {
    const breaker = this.breakers.get(name);
    if (!breaker) return false;
    breaker.resetManually();
    return true;
  }
}

/**
 * Exports `circuit_breaker_state{name}` (0 CLOSED, 1 HALF_OPEN, 2 OPEN, see BREAKER_STATE_GAUGE)
 * `circuit_breaker_failures_total{name}` and `circuit_breaker_open_seconds{name}`, read from the
 * breakers at scrape time.
 */
export function registerBreakerGauge(registry: Registry, breakers: BreakerRegistry): void {
  new Gauge({
    name: METRICS.circuitBreakerState,
    help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open',
    labelNames: ['name'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of breakers.all()) this.set({ name: s.name }, BREAKER_STATE_GAUGE[s.state]);
    },
  });
  new Counter({
    name: METRICS.circuitBreakerFailures,
    help: 'Calls counted as failures by each circuit breaker since the process started',
    labelNames: ['name'] as const,
    registers: [registry],
    collect() {
      // Totals survive manual resets, so the counter never goes down.
      this.reset();
      for (const s of breakers.all()) this.inc({ name: s.name }, s.totalFailures);
    },
  });
  new Gauge({
    name: METRICS.circuitBreakerOpenSeconds,
    help: 'Seconds each circuit breaker has been OPEN (0 when not open); past 300 on a critical dependency it is stuck',
    labelNames: ['name'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of breakers.all()) this.set({ name: s.name }, s.openSeconds);
    },
  });
}

/**
 * For activities: a wait, not a failure. Non-retryable, so no attempt is spent on a dependency
 * known to be down; the workflow sleeps the breaker's remaining open time on a durable timer and
 * calls again (workflows/durable-wait.ts).
 */
export function toActivityFailure(err: CircuitOpenError): ApplicationFailure {
  const advice: WaitAdvice = { on: `breaker ${err.breaker}`, retryAfterMs: err.retryAfterMs };
  return ApplicationFailure.create({
    type: 'CircuitOpenError' satisfies WaitFailureType,
    message: err.message,
    nonRetryable: true,
    details: [advice],
  });
}
