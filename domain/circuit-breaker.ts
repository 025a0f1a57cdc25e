// Own code rather than a library (opossum, cockatiel): a pure state machine with time passed in
// is testable with a fake clock and safe to use from deterministic workflow code.

/**
 * Circuit breaker state machine (seed: "open after 5 failures, try again after 30 s").
 *
 *   CLOSED --(failureThreshold consecutive failures)--> OPEN
 *   OPEN --(openMs elapsed, checked by canPass)--> HALF_OPEN (admits up to halfOpenMaxTrials trial calls)
 *   HALF_OPEN --(any trial failure)--> OPEN, opened again from now
 *   HALF_OPEN --(halfOpenSuccessesToClose trial successes)--> CLOSED
 *
 * Every function returns a new state; nothing here reads the clock or does I/O.
 */

export const BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/**
 * Value of the `circuit_breaker_state` gauge: 0 = CLOSED (healthy), 1 = HALF_OPEN (probing),
 * 2 = OPEN (failing fast). Ordered by severity, so an alert can use `> 0` or `== 2`.
 */
export const BREAKER_STATE_GAUGE = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const satisfies Record<BreakerStateName, number>;

export interface BreakerOptions {
  /** Consecutive failures in CLOSED that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays OPEN before it admits a trial call. */
  openMs: number;
  /** Trial calls allowed at the same time in HALF_OPEN; further callers are refused. */
  halfOpenMaxTrials: number;
  /** Successful trials needed in HALF_OPEN to close the breaker. */
  halfOpenSuccessesToClose: number;
  /**
   * Wait suggested to a caller refused in HALF_OPEN because every trial slot is taken:
   * the trials' outcome is not known yet, so a short wait rather than a full openMs.
   */
  halfOpenBusyRetryMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  failureThreshold: 5,
  openMs: 30_000,
  halfOpenMaxTrials: 1,
  halfOpenSuccessesToClose: 1,
  halfOpenBusyRetryMs: 1_000,
});

/** Merges partial options over the defaults; rejects values that would wedge the breaker. */
export function resolveBreakerOptions(options: Partial<BreakerOptions> = {}): BreakerOptions {
  const merged: BreakerOptions = { ...DEFAULT_BREAKER_OPTIONS, ...options };
  for (const key of ['failureThreshold', 'halfOpenMaxTrials', 'halfOpenSuccessesToClose'] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] < 1) throw new RangeError(`${key} must be an integer >= 1, got ${merged[key]}`);
  }
  for (const key of ['openMs', 'halfOpenBusyRetryMs'] as const) {
    if (!Number.isFinite(merged[key]) || merged[key] <= 0) throw new RangeError(`${key} must be a positive number of ms, got ${merged[key]}`);
  }
  return merged;
}

export interface BreakerState {
  readonly state: BreakerStateName;
  /** Consecutive failures (CLOSED); a success resets it. */
  readonly failures: number;
  readonly totalFailures: number;
  readonly totalSuccesses: number;
  readonly lastFailureAt: number | null;
  readonly lastFailureMessage: string | null;
  /** When the breaker last opened; null once closed. */
  readonly openedAt: number | null;
  /** Trial calls admitted in HALF_OPEN and not yet reported. */
  readonly halfOpenInFlight: number;
  /** Successful trials in the current HALF_OPEN episode. */
  readonly halfOpenSuccesses: number;
  /**
   * Bumped on every change of `state`. A result reported with an older generation comes from a
   * call admitted before the change (e.g. a slow CLOSED call finishing in HALF_OPEN): it counts
   * in the totals but cannot move the breaker or take a trial slot.
   */
  readonly generation: number;
}

export function initialBreakerState(): BreakerState {
  return {
    state: 'CLOSED',
    failures: 0,
    totalFailures: 0,
    totalSuccesses: 0,
    lastFailureAt: null,
    lastFailureMessage: null,
    openedAt: null,
    halfOpenInFlight: 0,
    halfOpenSuccesses: 0,
    generation: 0,
  };
}

export type PassDecision =
  | { readonly allowed: true; readonly state: BreakerState; readonly generation: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Asks whether a call may go through at `now`. When allowed, the caller must store the returned
 * state and later report the result with `onSuccess`/`onFailure`, passing the returned generation.
 */
export function canPass(state: BreakerState, now: number, options: BreakerOptions = DEFAULT_BREAKER_OPTIONS): PassDecision {
  switch (state.state) {
    case 'CLOSED':
      return { allowed: true, state, generation: state.generation };
    case 'OPEN': {
      const remaining = (state.openedAt ?? now) + options.openMs - now;
      if (remaining > 0) return { allowed: false, retryAfterMs: remaining };
      const next: BreakerState = { ...state, state: 'HALF_OPEN', halfOpenInFlight: 1, halfOpenSuccesses: 0, generation: state.generation + 1 };
      return { allowed: true, state: next, generation: next.generation };
    }
    case 'HALF_OPEN': {
      if (state.halfOpenInFlight >= options.halfOpenMaxTrials) return { allowed: false, retryAfterMs: options.halfOpenBusyRetryMs };
      const next: BreakerState = { ...state, halfOpenInFlight: state.halfOpenInFlight + 1 };
      return { allowed: true, state: next, generation: next.generation };
    }
  }
}

export interface ResultContext {
  options?: BreakerOptions;
  /** Generation returned by `canPass`; omitted means "admitted in the current state". */
  generation?: number;
}

export function onSuccess(state: BreakerState, _now: number, ctx: ResultContext = {}): BreakerState {
  const options = ctx.options ?? DEFAULT_BREAKER_OPTIONS;
  const counted: BreakerState = { ...state, totalSuccesses: state.totalSuccesses + 1 };
  if (ctx.generation !== undefined && ctx.generation !== state.generation) return counted;
  switch (state.state) {
    case 'CLOSED':
      return { ...counted, failures: 0 };
    case 'OPEN':
      // Only reachable without a generation: a late answer cannot shorten the open period.
      return counted;
    case 'HALF_OPEN': {
      const successes = state.halfOpenSuccesses + 1;
      if (successes >= options.halfOpenSuccessesToClose) return closed(counted);
      return { ...counted, halfOpenSuccesses: successes, halfOpenInFlight: Math.max(0, state.halfOpenInFlight - 1) };
    }
  }
}

export function onFailure(state: BreakerState, now: number, ctx: ResultContext & { message?: string } = {}): BreakerState {
  const options = ctx.options ?? DEFAULT_BREAKER_OPTIONS;
  const counted: BreakerState = {
    ...state,
    totalFailures: state.totalFailures + 1,
    lastFailureAt: now,
    lastFailureMessage: ctx.message ?? null,
  };
  if (ctx.generation !== undefined && ctx.generation !== state.generation) return counted;
  switch (state.state) {
    case 'CLOSED': {
      const failures = state.failures + 1;
      return failures >= options.failureThreshold ? opened({ ...counted, failures }, now) : { ...counted, failures };
    }
    case 'OPEN':
      // Already open: keep the original openedAt, so stray failures do not extend the wait.
      return { ...counted, failures: state.failures + 1 };
    case 'HALF_OPEN':
      return opened({ ...counted, failures: state.failures + 1 }, now);
  }
}

/** Manual reset (the seed runbook's `breaker.reset_manually()`): CLOSED, history kept. */
export function reset(state: BreakerState): BreakerState {
  return closed(state);
}

/** Milliseconds until an OPEN breaker admits a trial; 0 when a call could try now. */
export function retryAfterMs(state: BreakerState, now: number, options: BreakerOptions = DEFAULT_BREAKER_OPTIONS): number {
  const decision = canPass(state, now, options);
  return decision.allowed ? 0 : decision.retryAfterMs;
}

function opened(state: BreakerState, now: number): BreakerState {
  return { ...state, state: 'OPEN', openedAt: now, halfOpenInFlight: 0, halfOpenSuccesses: 0, generation: state.generation + 1 };
}

function closed(state: BreakerState): BreakerState {
  return { ...state, state: 'CLOSED', failures: 0, openedAt: null, halfOpenInFlight: 0, halfOpenSuccesses: 0, generation: state.generation + 1 };
}

/**
 * Breaker names of the platform's dependencies, one breaker per name per process. LLM endpoints
 * get one each, named `llm:<provider>:<host>` by lib/llm.
 */
export const DEPENDENCY_BREAKERS = { postgres: 'postgres', redis: 'redis', docker: 'docker' } as const;

/** Every breaker name an operator may reset: a known dependency or an LLM endpoint. */
export function isBreakerName(name: string): boolean {
  return Object.values(DEPENDENCY_BREAKERS).includes(name as never) || /^llm:[a-z0-9-]+:[A-Za-z0-9.\-[\]:]+$/.test(name);
}

/**
 * Postgres answered, or did not. An error with a SQLSTATE is an answer (a constraint, a
 * serialization conflict, a syntax error) unless its class says the server itself is in
 * trouble: 08 connection exception, 53 insufficient resources, 57 operator intervention
 * (shutdown, "cannot connect now"), 58 system error. An error without one (refused socket,
 * terminated connection, connect time-out) never reached a working server.
 */
export function isPostgresOutage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return ['08', '53', '57', '58'].includes(code.slice(0, 2));
}

/** A Redis error reply (WRONGTYPE, a script's own error) is an answer; a closed socket or a time-out is not. */
export function isRedisOutage(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name !== 'ReplyError';
}

/** The Docker engine answered with a status below 500 (404 no such container, 409 conflict): it is up. */
export function isDockerOutage(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status !== 'number' || status >= 500;
}

/** The seed's critical alert: a breaker OPEN longer than this on a critical dependency is stuck. */
export const BREAKER_STUCK_AFTER_MS = 5 * 60_000;

/** How long the breaker has been OPEN at `now`, in seconds; 0 when it is not OPEN. */
export function openSeconds(state: Pick<BreakerState, 'state' | 'openedAt'>, now: number): number {
  if (state.state !== 'OPEN' || state.openedAt === null) return 0;
  return Math.max(0, (now - state.openedAt) / 1000);
}

/** OPEN for longer than BREAKER_STUCK_AFTER_MS on a dependency matching `criticalPattern` (a full-match regex). */
export function isStuck(name: string, state: Pick<BreakerState, 'state' | 'openedAt'>, now: number, criticalPattern: string): boolean {
  return new RegExp(`^(?:${criticalPattern})$`).test(name) && openSeconds(state, now) * 1000 > BREAKER_STUCK_AFTER_MS;
}

/** One breaker as a process reports it to the control plane (lib/breaker-control.ts). */
export interface BreakerReport {
  name: string;
  state: BreakerStateName;
  failures: number;
  totalFailures: number;
  totalSuccesses: number;
  lastFailureAt: number | null;
  lastFailureMessage: string | null;
  openedAt: number | null;
}

/** A process's breakers at `reportedAt` (epoch ms). */
export interface ProcessReport {
  process: string;
  service: string;
  reportedAt: number;
  breakers: BreakerReport[];
}

export interface BreakerListRow extends BreakerReport {
  process: string;
  service: string;
  reportedAt: number;
  openSeconds: number;
  stuck: boolean;
}

/** Flattens the processes' reports into one row per process and breaker, ordered by breaker then process. */
export function breakerRows(reports: readonly ProcessReport[], now: number, criticalPattern: string): BreakerListRow[] {
  const rows = reports.flatMap((r) =>
    r.breakers.map((b) => ({
      ...b,
      process: r.process,
      service: r.service,
      reportedAt: r.reportedAt,
      openSeconds: Math.round(openSeconds(b, now)),
      stuck: isStuck(b.name, b, now, criticalPattern),
    })),
  );
  return rows.sort((a, b) => a.name.localeCompare(b.name) || a.process.localeCompare(b.process));
}
