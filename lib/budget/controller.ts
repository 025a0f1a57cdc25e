import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  CommitRequest,
  ReserveRequest,
  type BudgetLimitUpdate,
  type BudgetStatus,
  type CommitOutcome,
  type ReleaseOutcome,
  type ReserveDecision,
  type ReservationState,
} from '../../domain/budget.js';
import { describeZodError } from '../../domain/validation.js';
import type { Config } from '../config.js';
import type { Db } from '../db.js';
import type { Metrics } from '../metrics.js';
import { IdempotencyConflictError, ReservationNotFoundError } from './errors.js';
import { IdempotencyStore, tenantCacheKey, type IdempotencyOptions } from './idempotency.js';
import {
  ledgerCommit,
  ledgerExpire,
  ledgerRearm,
  ledgerReconcile,
  ledgerRelease,
  ledgerReservations,
  ledgerReserve,
  ledgerRollPeriods,
  ledgerSetLimit,
  ledgerStatus,
  type LedgerDefaults,
} from './ledger.js';

export type BudgetConfig = Pick<
  Config,
  | 'BUDGET_DEFAULT_LIMIT'
  | 'BUDGET_DEFAULT_PERIOD'
  | 'BUDGET_RESERVATION_TTL_SECONDS'
  | 'BUDGET_IDEMPOTENCY_TTL_HOURS'
  | 'BUDGET_INFLIGHT_TTL_MS'
>;

/** Thrown for a malformed reserve or commit: names each bad field. */
export class InvalidBudgetRequestError extends Error {
  override readonly name = 'InvalidBudgetRequestError';
}

// Figures shown to operators may be this stale at most; every change we make drops them at once.
const STATUS_CACHE_SECONDS = 10;

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

export interface BudgetControllerDeps {
  db: Db;
  redis: Redis;
  config: BudgetConfig;
  metrics?: Metrics;
  onRedisError?: (err: Error) => void;
  onPhase?: IdempotencyOptions['onPhase'];
}

/**
 * Reserve, renew, commit and release tokens for tenants, exactly once per
 * request id (and per attempt for commits), with Postgres as the source of
 * truth and Redis as the fast path for repeats.
 */
export class BudgetController {
  private readonly idempotency: IdempotencyStore;
  private readonly defaults: LedgerDefaults;

  constructor(private readonly deps: BudgetControllerDeps) {
    this.defaults = {
      ttlSeconds: deps.config.BUDGET_RESERVATION_TTL_SECONDS,
      defaultLimit: deps.config.BUDGET_DEFAULT_LIMIT,
      defaultPeriod: deps.config.BUDGET_DEFAULT_PERIOD,
    };
    this.idempotency = new IdempotencyStore({
      redis: deps.redis,
      retentionSeconds: deps.config.BUDGET_IDEMPOTENCY_TTL_HOURS * 3600,
      inflightMs: deps.config.BUDGET_INFLIGHT_TTL_MS,
      onRedisError: (err) => {
        deps.metrics?.budgetRedisFallbacks.inc();
        deps.onRedisError?.(err);
      },
      onPhase: deps.onPhase,
    });
  }

  async reserve(raw: ReserveRequest): Promise<ReserveDecision> {
    const parsed = ReserveRequest.safeParse(raw);
    if (!parsed.success) throw new InvalidBudgetRequestError(`invalid reservation: ${describeZodError(parsed.error)}`);
    const req = parsed.data;
    const paramsHash = hash(`${req.tenantId}|${req.amount}`);
    try {
      const { answer, replayed } = await this.idempotency.run<ReserveDecision>('reserve', req.requestId, paramsHash, async () => {
        const result = await ledgerReserve(this.deps.db, { ...req, paramsHash }, this.defaults);
        if (result.outcome === 'conflict') throw new IdempotencyConflictError(req.requestId);
        const decision: ReserveDecision = {
          requestId: req.requestId,
          tenantId: req.tenantId,
          amount: result.amount,
          granted: result.outcome !== 'denied',
          remaining: result.remaining,
          expiresAt: result.expiresAt,
          replayed: result.outcome === 'replayed',
        };
        // A denial is not a charge: it is not kept, so a repeat after a raised limit is judged afresh.
        return { answer: decision, store: decision.granted, tenantId: req.tenantId };
      });
      const decision = replayed ? { ...answer, replayed: true } : answer;
      this.deps.metrics?.budgetReservations.inc({ outcome: decision.replayed ? 'replayed' : decision.granted ? 'granted' : 'denied' });
      return decision;
    } catch (err) {
      if (err instanceof IdempotencyConflictError) {
        this.deps.metrics?.budgetReservationConflicts.inc({ operation: 'reserve' });
        this.deps.metrics?.budgetReservations.inc({ outcome: 'conflict' });
      }
      throw err;
    }
  }

  /** Holds the reservation's full amount again before an attempt; false when the tenant cannot cover it. */
  async rearm(requestId: string): Promise<{ armed: boolean; remaining: number | null }> {
    const result = await ledgerRearm(this.deps.db, requestId, this.defaults.ttlSeconds);
    if (result.outcome === 'unknown') throw new ReservationNotFoundError(requestId);
    if (result.outcome === 'armed') await this.dropCachedStatus(result.tenantId!);
    return { armed: result.outcome === 'armed', remaining: result.remaining };
  }

  /**
   * Charges one attempt's usage, exactly once per (request id, attempt). The
   * ledger's primary key decides repeats directly: a repeat costs one round
   * trip either way, so commits need no Redis answer cache or marker.
   */
  async commit(raw: CommitRequest): Promise<CommitOutcome> {
    const parsed = CommitRequest.safeParse(raw);
    if (!parsed.success) throw new InvalidBudgetRequestError(`invalid commit: ${describeZodError(parsed.error)}`);
    const req = parsed.data;
    const result = await ledgerCommit(this.deps.db, req);
    if (result.outcome === 'unknown') throw new ReservationNotFoundError(req.requestId);
    if (result.outcome === 'conflict') {
      this.deps.metrics?.budgetReservationConflicts.inc({ operation: 'commit' });
      throw new IdempotencyConflictError(`${req.requestId}:${req.attempt}`);
    }
    if (result.outcome === 'over_limit') this.deps.metrics?.budgetUnbilledTokens.inc(req.tokens);
    // Not awaited: Redis runs one connection's commands in order, so this process's next status
    // read already misses; other processes may see figures one round trip older.
    else void this.dropCachedStatus(result.tenantId!);
    return {
      requestId: req.requestId,
      attempt: req.attempt,
      tokens: result.tokens,
      outcome: result.outcome === 'over_limit' ? 'over_limit' : 'committed',
      replayed: result.outcome === 'replayed',
    };
  }

  /** Gives back what the call still holds; safe to repeat. */
  async release(requestId: string): Promise<ReleaseOutcome> {
    const result = await ledgerRelease(this.deps.db, requestId);
    if (result.outcome === 'released') await this.dropCachedStatus(result.tenantId!);
    return { requestId, released: result.released, state: result.state };
  }

  /** The tenant's figures, from a short-lived cache that every change (ours, or a psql UPDATE via NOTIFY) drops. */
  async status(tenantId: string): Promise<BudgetStatus | undefined> {
    const key = tenantCacheKey(tenantId);
    const cached = await this.deps.redis.get(key).catch(() => null);
    if (cached) return JSON.parse(cached) as BudgetStatus;
    const status = await ledgerStatus(this.deps.db, tenantId);
    if (status) await this.deps.redis.set(key, JSON.stringify(status), 'EX', STATUS_CACHE_SECONDS).catch(() => {});
    return status;
  }

  async setLimit(tenantId: string, update: BudgetLimitUpdate, actor: string): Promise<BudgetStatus> {
    const status = await ledgerSetLimit(this.deps.db, tenantId, update, actor, this.defaults.defaultPeriod);
    await this.dropCachedStatus(tenantId);
    return status;
  }

  reservations(tenantId: string, opts: { state?: ReservationState; limit?: number } = {}) {
    return ledgerReservations(this.deps.db, tenantId, { state: opts.state, limit: opts.limit ?? 50 });
  }

  expireStale(batch = 500): Promise<number> {
    return ledgerExpire(this.deps.db, batch);
  }

  rollPeriods(): Promise<number> {
    return ledgerRollPeriods(this.deps.db);
  }

  reconcile() {
    return ledgerReconcile(this.deps.db);
  }

  async dropCachedStatus(tenantId: string): Promise<void> {
    await this.deps.redis.del(tenantCacheKey(tenantId)).catch((err: Error) => this.deps.onRedisError?.(err));
  }
}
