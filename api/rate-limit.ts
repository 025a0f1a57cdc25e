import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ANONYMOUS, RATE_LIMIT_WINDOW_MS, requestsPerMinute, type UserRole } from '../domain/roles.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Redis } from '../lib/redis.js';
import { TooManyRequestsError } from './errors.js';

/** Who a limit counts: a verified user (per tenant and subject) or, without a valid token, a source address. */
export type RateSubject = { kind: 'user'; tenant: string; sub: string; role: UserRole } | { kind: 'address'; address: string };

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the oldest counted request leaves the window, i.e. one more request is allowed. */
  resetMs: number;
  store: 'redis' | 'local';
}

/**
 * An exact sliding window in one atomic script: requests of the last window
 * are the members of a sorted set scored by Redis's own clock (so API
 * replicas with drifting clocks agree); a request is added only while fewer
 * than `limit` are there. No two concurrent callers can both take the last slot.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], window)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = 0
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, limit - count, reset}`;

type ScriptedRedis = Redis & { apiRateLimit(key: string, windowMs: number, limit: number, member: string): Promise<[number, number, number]> };

/** Subjects the local fallback keeps at most; the least recently seen are dropped first. */
const LOCAL_MAX_SUBJECTS = 10_000;

/**
 * The same sliding window in this process's memory, used while Redis is
 * unreachable: limits then hold per API replica instead of across replicas.
 * We chose this over failing open (no limit at all during an outage) and over
 * failing closed (an outage of a cache taking the whole API down).
 */
class LocalWindow {
  private readonly hits = new Map<string, number[]>();

  decide(key: string, limit: number, windowMs: number): Omit<RateDecision, 'store'> {
    const now = performance.now();
    const kept = (this.hits.get(key) ?? []).filter((at) => at > now - windowMs);
    this.hits.delete(key);
    const allowed = kept.length < limit;
    if (allowed) kept.push(now);
    this.hits.set(key, kept);
    if (this.hits.size > LOCAL_MAX_SUBJECTS) this.hits.delete(this.hits.keys().next().value as string);
    return { allowed, limit, remaining: limit - kept.length, resetMs: kept.length ? kept[0]! + windowMs - now : 0 };
  }
}

export interface RateLimiterOptions {
  redis: Redis;
  metrics: Metrics;
  logger: Logger;
  /** Separates deployments (and test runs) sharing one Redis. */
  keyPrefix?: string;
  /** API_RATE_LIMIT_SCALE: multiplies every limit, for benchmarks and fuzzing runs. */
  scale?: number;
}

/** Per-subject request limits from domain/roles.ts, counted in Redis. */
export class RateLimiter {
  private readonly redis: ScriptedRedis;
  private readonly local = new LocalWindow();
  private readonly prefix: string;
  private lastWarning = -Infinity;

  constructor(private readonly opts: RateLimiterOptions) {
    const redis = opts.redis as ScriptedRedis;
    if (typeof redis.apiRateLimit !== 'function') redis.defineCommand('apiRateLimit', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    this.redis = redis;
    this.prefix = opts.keyPrefix ?? 'golden:ratelimit:';
  }

  async decide(subject: RateSubject): Promise<RateDecision> {
    const limit = requestsPerMinute(subject.kind === 'user' ? subject.role : ANONYMOUS) * (this.opts.scale ?? 1);
    const key = subject.kind === 'user' ? `${this.prefix}u:${subject.tenant}:${subject.sub}` : `${this.prefix}a:${subject.address}`;
    let decision: RateDecision;
    // A Redis that is not connected answers at once from memory instead of queueing the request behind a reconnect.
    if (this.redis.status === 'ready') {
      try {
        const [allowed, remaining, resetMs] = await this.redis.apiRateLimit(key, RATE_LIMIT_WINDOW_MS, limit, randomUUID());
        decision = { allowed: allowed === 1, limit, remaining, resetMs, store: 'redis' };
      } catch (err) {
        decision = this.fallback(key, limit, err as Error);
      }
    } else {
      decision = this.fallback(key, limit, new Error(`redis is ${this.redis.status}`));
    }
    this.opts.metrics.apiRateLimitDecisions.inc({ outcome: decision.allowed ? 'allowed' : 'limited', store: decision.store });
    return decision;
  }

  /** Decides, sets the RateLimit-* headers, and throws a 429 (with Retry-After) when the subject is over its limit. */
  async enforce(subject: RateSubject, reply: FastifyReply): Promise<void> {
    const d = await this.decide(subject);
    const resetSeconds = Math.max(1, Math.ceil(d.resetMs / 1000));
    reply.header('ratelimit-policy', `${d.limit};w=${RATE_LIMIT_WINDOW_MS / 1000}`);
    reply.header('ratelimit-limit', String(d.limit));
    reply.header('ratelimit-remaining', String(Math.max(0, d.remaining)));
    reply.header('ratelimit-reset', String(resetSeconds));
    if (d.allowed) return;
    reply.header('retry-after', String(resetSeconds));
    const who = subject.kind === 'user' ? `role ${subject.role}` : 'callers without a valid token (counted per address)';
    throw new TooManyRequestsError(`rate limit exceeded: ${who} may make ${d.limit} requests per minute; retry in ${resetSeconds} s`);
  }

  private fallback(key: string, limit: number, err: Error): RateDecision {
    const now = performance.now();
    if (now - this.lastWarning > 10_000) {
      this.lastWarning = now;
      this.opts.logger.warn({ err }, 'rate limits counted in memory: Redis is unreachable');
    }
    return { ...this.local.decide(key, limit, RATE_LIMIT_WINDOW_MS), store: 'local' };
  }
}
