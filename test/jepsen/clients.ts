import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetController, InvalidBudgetRequestError, type BudgetConfig } from '../../lib/budget/controller.js';
import { IdempotencyConflictError, ReservationNotFoundError } from '../../lib/budget/errors.js';
import type { Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { createRedis, type Redis } from '../../lib/redis.js';
import type { History, ReserveAnswer } from './history.js';

/** One client as a separate process would have it: its own controller, pg pool and Redis connection. */
export interface Client {
  id: number;
  controller: BudgetController;
  db: Db;
  redis: Redis;
}

/** What kill-client.js is told to do, as its one JSON argument. */
export interface KillOrder {
  op: 'reserve';
  phase: 'locked' | 'ledger-done';
  requestId: string;
  tenantId: string;
  amount: number;
  attempt: number;
  tokens: number;
  inflightMs: number;
}

/** The line kill-client.js prints when it reached its phase and waits to be killed. */
export const PHASE_MARKER = 'JEPSEN-PHASE';

export interface ClientOptions {
  poolSize: number;
  inflightMs: number;
  reservationTtlSeconds: number;
  /** A call's Redis step failed and the ledger alone answered it. */
  onRedisFallback?: () => void;
}

/** Built directly, not through loadConfig, so TTLs can be shorter than the validated minimums. */
export function budgetConfig(opts: Pick<ClientOptions, 'inflightMs' | 'reservationTtlSeconds'>): BudgetConfig {
  return {
    // Every test tenant gets its limit by SQL first; a tenant created by default could never be granted anything.
    BUDGET_DEFAULT_LIMIT: 0,
    BUDGET_DEFAULT_PERIOD: 'total',
    BUDGET_RESERVATION_TTL_SECONDS: opts.reservationTtlSeconds,
    BUDGET_IDEMPOTENCY_TTL_HOURS: 1,
    BUDGET_INFLIGHT_TTL_MS: opts.inflightMs,
  };
}

export function openClients(config: Config, count: number, opts: ClientOptions): Client[] {
  return Array.from({ length: count }, (_, id) => {
    // Outages are expected here: errors surface on the calls, which retry.
    const db = createDb({ DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: opts.poolSize }, () => undefined);
    const redis = createRedis(config, () => undefined);
    const controller = new BudgetController({ db, redis, config: budgetConfig(opts), onRedisError: () => opts.onRedisFallback?.() });
    return { id, db, redis, controller };
  });
}

export async function closeClients(clients: Client[]): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      c.redis.disconnect();
      await c.db.end().catch(() => undefined);
    }),
  );
}

/** SQLSTATE classes of a lost connection, a server shutting down or starting, or too many clients: worth retrying. */
const RETRYABLE_SQLSTATE = /^(08|57|53)/;

/** A failure after which the same call may be sent again: the connection or the in-flight marker, never a wrong answer. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof IdempotencyConflictError || err instanceof ReservationNotFoundError || err instanceof InvalidBudgetRequestError) return false;
  const code = (err as { code?: unknown })?.code;
  // Other SQLSTATEs (a constraint, a bad statement) are bugs, not outages.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return RETRYABLE_SQLSTATE.test(code);
  return true;
}

/**
 * Sends one call until it is answered, the same way each time (same ids,
 * same parameters), as a client that lost its connection would: retryable
 * errors are counted; a domain error is an answer; after the deadline the
 * call is reported unresolved (its effect unknown) and null returned.
 */
export async function persist<T>(
  history: History,
  what: string,
  deadlineMs: number,
  call: () => Promise<T>,
  stats?: { retries: number },
): Promise<T | { domainError: Error } | null> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt += 1) {
    history.tally.requests += 1;
    try {
      return await call();
    } catch (err) {
      if (err instanceof IdempotencyConflictError || err instanceof ReservationNotFoundError) return { domainError: err };
      if (!isRetryable(err)) {
        history.violations.push(`${what}: unexpected ${(err as Error).name}: ${(err as Error).message}`);
        return null;
      }
      history.tally.retry(err);
      if (stats) stats.retries += 1;
      if (Date.now() > deadline) {
        history.unresolved.push(`${what}: still failing after ${deadlineMs} ms (${(err as Error).message})`);
        return null;
      }
      await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
    }
  }
}

function isDomainError(x: unknown): x is { domainError: Error } {
  return typeof x === 'object' && x !== null && 'domainError' in x;
}

export interface Ops {
  history: History;
  deadlineMs: number;
}

/** A reserve, retried until answered and recorded; undefined when unresolved. */
export async function reserve(
  ops: Ops,
  client: Client,
  req: { requestId: string; tenant: string; amount: number },
  probe = false,
): Promise<ReserveAnswer | undefined> {
  const res = await persist(ops.history, `reserve ${req.requestId}`, ops.deadlineMs, () =>
    client.controller.reserve({ requestId: req.requestId, tenantId: req.tenant, amount: req.amount }),
  );
  if (res === null) return undefined;
  const answer: ReserveAnswer = isDomainError(res)
    ? { tenant: req.tenant, amount: req.amount, kind: 'conflict', replayed: false, answeredAmount: 0, probe }
    : { tenant: req.tenant, amount: req.amount, kind: res.granted ? 'granted' : 'denied', replayed: res.replayed, answeredAmount: res.amount, probe };
  ops.history.recordReserve(req.requestId, answer);
  return answer;
}

export async function commit(
  ops: Ops,
  client: Client,
  req: { requestId: string; tenant: string; attempt: number; tokens: number },
  probe = false,
): Promise<{ kind: 'committed' | 'over_limit' | 'conflict' | 'not_found'; replayed: boolean } | undefined> {
  const res = await persist(ops.history, `commit ${req.requestId}#${req.attempt}`, ops.deadlineMs, () =>
    client.controller.commit({ requestId: req.requestId, attempt: req.attempt, tokens: req.tokens }),
  );
  if (res === null) return undefined;
  const base = { tokens: req.tokens, probe };
  const answer = isDomainError(res)
    ? { ...base, kind: res.domainError instanceof IdempotencyConflictError ? ('conflict' as const) : ('not_found' as const), replayed: false, answeredTokens: 0 }
    : { ...base, kind: res.outcome, replayed: res.replayed, answeredTokens: res.tokens };
  ops.history.recordCommit(req.requestId, req.attempt, req.tenant, answer);
  return answer;
}

export async function rearm(ops: Ops, client: Client, requestId: string): Promise<'armed' | 'denied' | 'not_found' | undefined> {
  const res = await persist(ops.history, `rearm ${requestId}`, ops.deadlineMs, () => client.controller.rearm(requestId));
  if (res === null) return undefined;
  if (isDomainError(res)) {
    ops.history.violations.push(`rearm ${requestId}: reservation not found, though it was granted`);
    return 'not_found';
  }
  if (!res.armed) ops.history.tally.denied += 1;
  return res.armed ? 'armed' : 'denied';
}

export async function release(ops: Ops, client: Client, requestId: string): Promise<{ released: number; state: string | null; retried: boolean } | undefined> {
  const stats = { retries: 0 };
  const res = await persist(ops.history, `release ${requestId}`, ops.deadlineMs, () => client.controller.release(requestId), stats);
  if (res === null || isDomainError(res)) return undefined;
  ops.history.recordRelease(requestId, { released: res.released, state: res.state });
  return { released: res.released, state: res.state, retried: stats.retries > 0 };
}
