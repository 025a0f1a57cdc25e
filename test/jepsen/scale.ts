/**
 * How hard the Jepsen-style suite pushes, from JEPSEN_SCALE: `ci` fits in
 * about 90 s, `full` (the default, and `npm run test:jepsen`) in about 5 min.
 * Every loop of the suite is bounded by both a count and a time from here.
 */
export interface JepsenScale {
  name: 'ci' | 'full';
  /** BudgetController instances per scenario, each with its own pg pool and Redis connection. */
  clients: number;
  poolSize: number;
  /** Concurrent request lifecycles; each sends its steps as storms of duplicates. */
  drivers: number;
  stormSeconds: number;
  redisSeconds: number;
  redisRestarts: number;
  postgresSeconds: number;
  postgresRestarts: number;
  /** Upper bound on lifecycles per scenario, whatever the time. */
  maxLifecycles: number;
  /** Child processes killed per (operation, phase) pair. */
  killRounds: number;
  killParallel: number;
  /** Reservations per expiry path. */
  expiryEach: number;
  /** One call retried for longer than this is a liveness failure. */
  opDeadlineMs: number;
  suiteTimeoutMs: number;
}

const SCALES: Record<JepsenScale['name'], JepsenScale> = {
  ci: {
    name: 'ci',
    clients: 10,
    poolSize: 3,
    drivers: 6,
    stormSeconds: 12,
    redisSeconds: 12,
    redisRestarts: 1,
    postgresSeconds: 14,
    postgresRestarts: 1,
    maxLifecycles: 600,
    killRounds: 2,
    killParallel: 4,
    expiryEach: 2,
    opDeadlineMs: 45_000,
    suiteTimeoutMs: 150_000,
  },
  full: {
    name: 'full',
    clients: 16,
    poolSize: 2,
    drivers: 10,
    stormSeconds: 60,
    redisSeconds: 45,
    redisRestarts: 2,
    postgresSeconds: 60,
    postgresRestarts: 2,
    maxLifecycles: 20_000,
    killRounds: 5,
    killParallel: 4,
    expiryEach: 6,
    opDeadlineMs: 60_000,
    suiteTimeoutMs: 420_000,
  },
};

export function jepsenScale(value: string | undefined): JepsenScale {
  const name = value === undefined || value === '' ? 'full' : value;
  if (name !== 'ci' && name !== 'full') throw new Error(`JEPSEN_SCALE must be "ci" or "full" (got "${name}")`);
  return SCALES[name];
}

/** A small seeded generator: the workload's choices can be replayed with JEPSEN_SEED (timing cannot). */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}
