import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { IdempotencyConflictError, RequestInFlightError } from './errors.js';

const PREFIX = 'golden:budget:';

// One round trip: the stored answer if there is one, else the in-flight marker if free.
const BEGIN = `
local stored = redis.call('GET', KEYS[1])
if stored then return {'done', stored} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'acquired', ''} end
return {'inflight', ''}`;

// One round trip: store the answer (if any), drop our marker, drop the tenant's cached figures.
const FINISH = `
if ARGV[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
if KEYS[3] ~= '' then redis.call('DEL', KEYS[3]) end
return 1`;

export function tenantCacheKey(tenantId: string): string {
  return `${PREFIX}tenant:${tenantId}`;
}

interface Stored<T> {
  paramsHash: string;
  answer: T;
}

export interface IdempotencyOptions {
  redis: Redis;
  /** How long first answers are kept for repeats. */
  retentionSeconds: number;
  /** How long the in-flight marker lives, and so how long a duplicate waits. */
  inflightMs: number;
  /** Redis failed: the ledger alone decides (it is the final guard), we only lose the fast path. */
  onRedisError?: (err: Error) => void;
  /** Observes the steps, so tests can kill a process between them. */
  onPhase?: (phase: 'locked' | 'ledger-done', key: string) => Promise<void> | void;
}

/** What the ledger step produced: the answer, whether to keep it for repeats, and whose cached figures it changed. */
export type Executed<T> = { answer: T; store: boolean; tenantId: string | null };

/**
 * Stripe-style idempotency in Redis in front of the ledger: a key's first
 * answer is returned to every repeat, concurrent duplicates wait for the
 * first instead of reaching Postgres, and a key reused with other parameters
 * is an error. Losing Redis loses none of the guarantees: the ledger's
 * primary keys decide again, and answer the same way.
 */
type ScriptedRedis = Redis & {
  budgetBegin(responseKey: string, lockKey: string, owner: string, inflightMs: number): Promise<unknown>;
  budgetFinish(responseKey: string, lockKey: string, cacheKey: string, body: string, ttl: number, owner: string): Promise<unknown>;
};

export class IdempotencyStore {
  private readonly scripts: ScriptedRedis;

  constructor(private readonly opts: IdempotencyOptions) {
    // Registered scripts go by their SHA (EVALSHA), not their text, on every call.
    const redis = opts.redis as ScriptedRedis;
    if (typeof redis.budgetBegin !== 'function') {
      redis.defineCommand('budgetBegin', { numberOfKeys: 2, lua: BEGIN });
      redis.defineCommand('budgetFinish', { numberOfKeys: 3, lua: FINISH });
    }
    this.scripts = redis;
  }

  async run<T>(op: string, key: string, paramsHash: string, execute: () => Promise<Executed<T>>): Promise<{ answer: T; replayed: boolean }> {
    const responseKey = `${PREFIX}idem:${op}:${key}`;
    const lockKey = `${PREFIX}lock:${op}:${key}`;
    const owner = randomUUID();
    const deadline = Date.now() + this.opts.inflightMs * 2;
    for (;;) {
      let state: string;
      let stored: string;
      try {
        [state, stored] = (await this.scripts.budgetBegin(responseKey, lockKey, owner, this.opts.inflightMs)) as [string, string];
      } catch (err) {
        this.opts.onRedisError?.(err as Error);
        return { answer: (await execute()).answer, replayed: false };
      }
      if (state === 'done') {
        const parsed = JSON.parse(stored) as Stored<T>;
        if (parsed.paramsHash !== paramsHash) throw new IdempotencyConflictError(key);
        return { answer: parsed.answer, replayed: true };
      }
      if (state === 'acquired') {
        await this.opts.onPhase?.('locked', key);
        let executed: Executed<T>;
        try {
          executed = await execute();
        } catch (err) {
          await this.finish(responseKey, lockKey, owner, '', '');
          throw err;
        }
        await this.opts.onPhase?.('ledger-done', key);
        const body = executed.store ? JSON.stringify({ paramsHash, answer: executed.answer } satisfies Stored<T>) : '';
        // Not awaited: this connection runs commands in order, so our own next look at the key already
        // sees the answer, and a crash before it lands only leaves a marker that lapses into a ledger replay.
        void this.finish(responseKey, lockKey, owner, body, executed.tenantId ? tenantCacheKey(executed.tenantId) : '');
        return { answer: executed.answer, replayed: false };
      }
      // Another caller holds the marker: wait for its answer, or for the marker to lapse.
      if (Date.now() > deadline) throw new RequestInFlightError(key);
      await sleep(15);
    }
  }

  private async finish(responseKey: string, lockKey: string, owner: string, body: string, cacheKey: string): Promise<void> {
    try {
      await this.scripts.budgetFinish(responseKey, lockKey, cacheKey, body, this.opts.retentionSeconds, owner);
    } catch (err) {
      // The ledger already holds the truth; a lost answer only means a repeat asks the ledger again.
      this.opts.onRedisError?.(err as Error);
    }
  }
}
