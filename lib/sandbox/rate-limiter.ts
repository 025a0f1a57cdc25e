import type { Redis } from 'ioredis';
import type { RateLimit } from '../../domain/sandbox-rate-limit.js';

/**
 * The sliding-window rule of domain/sandbox-rate-limit.ts, applied atomically
 * in Redis: one sorted set per tenant of admitted run ids scored by Redis's
 * own clock (workers' clocks may differ). A run id already admitted is
 * admitted again, so a retried activity is not charged twice.
 * Returns 0 when admitted, else the milliseconds until a slot frees.
 */
const SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZSCORE', key, member) then return 0 end
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`;

export class SandboxRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly rate: RateLimit,
    private readonly keyPrefix = 'sandbox:rate:',
  ) {}

  /** Admits the run or says how long to wait; never throws for being over the limit. */
  async admit(tenantId: string, runId: string): Promise<{ admitted: true } | { admitted: false; waitMs: number }> {
    const wait = Number(await this.redis.eval(SCRIPT, 1, `${this.keyPrefix}${tenantId}`, this.rate.limit, this.rate.windowMs, runId));
    return wait === 0 ? { admitted: true } : { admitted: false, waitMs: wait };
  }
}
