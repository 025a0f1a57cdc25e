/** A rate like the seed's `SANDBOX_RATE_LIMIT="10/minute"`: at most `limit` runs per `windowMs`. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

const UNITS: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses `N/unit` (second, minute, hour, day; plural allowed) or `N/<k>s` for a window in seconds. */
export function parseRateLimit(text: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(?:(second|minute|hour|day)s?|(\d+)s)\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a rate (expected N/second, N/minute, N/hour, N/day or N/<seconds>s, e.g. 10/minute)`);
  const limit = Number(match[1]);
  if (limit < 1) throw new Error(`"${text}": the limit must be at least 1`);
  const windowMs = match[2] ? (UNITS[match[2]] as number) : Number(match[3]) * 1_000;
  if (windowMs < 1_000) throw new Error(`"${text}": the window must be at least one second`);
  return { limit, windowMs };
}

/**
 * The sliding-window decision, given the start times of the runs admitted in
 * the current window (oldest first): admitted, or how long until the oldest
 * one leaves the window. The Redis script applies the same rule atomically.
 */
export function rateDecision(rate: RateLimit, admittedAtMs: readonly number[], nowMs: number): { admitted: true } | { admitted: false; waitMs: number } {
  const live = admittedAtMs.filter((t) => t > nowMs - rate.windowMs);
  if (live.length < rate.limit) return { admitted: true };
  const oldest = live[live.length - rate.limit] as number;
  return { admitted: false, waitMs: Math.max(1, oldest + rate.windowMs - nowMs) };
}
