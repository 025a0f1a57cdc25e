/**
 * Reserve+commit pairs per second of the budget controller against the
 * least an exactly-once budget can do in Postgres, on the same pool, in the
 * same run:
 *   ours     BudgetController.reserve + a final commit, which settles the call and gives back the rest of
 *            its hold in the same transaction (Redis idempotency in front of the ledger functions)
 *   minimal  reserve = BEGIN; INSERT request id ON CONFLICT DO NOTHING; conditional UPDATE of the counter; COMMIT
 *            commit  = one UPDATE (the request's tokens, once, and the counter settled to them): exactly once too
 *   bare     one conditional UPDATE of the counter per pair: not idempotent, the floor of any design
 * Same concurrency, pool and tenants for all three; a warm-up, then
 * interleaved rounds so drift (autovacuum, other load) hits all alike.
 * synchronous_commit is left as the server has it. Prints; asserts nothing
 * about timing (exits non-zero only if a call does not do what it should).
 *
 * BENCH_SCALE=ci: under 30 s; default: under 2 min.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BudgetController } from '../lib/budget/controller.js';
import { loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { createRedis, type Redis } from '../lib/redis.js';
import { requireServices } from '../test/support/services.js';
import { addCpu, formatCpuPerPair, sampleCpu, type CpuSample } from './cpu.js';

const SCALES = {
  ci: { warmupMs: 1_500, rounds: 3, roundMs: 2_000 },
  default: { warmupMs: 3_000, rounds: 6, roundMs: 5_000 },
} as const;
const CONCURRENCY = 8;
const POOL_SIZE = 8;
const TENANTS = 16;
const HUGE = 1_000_000_000_000;

type Pair = (loop: number, seq: number) => Promise<void>;
interface Variant {
  name: 'ours' | 'minimal' | 'bare';
  pair: Pair;
  latencies: number[];
  pairs: number;
  ms: number;
  cpu: CpuSample;
}

const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const tenants = Array.from({ length: TENANTS }, (_, i) => `bench-${run}-${i}`);
const schema = `bench_${run}`;
let failures = 0;
const fail = (what: string) => {
  failures += 1;
  if (failures <= 5) console.error(`budget bench: ${what}`);
};
const tenantFor = (loop: number, seq: number) => tenants[(loop * 7 + seq) % TENANTS]!;
// Actual usage below the reservation, as most LLM calls are.
const amount = 12_000;
const tokensFor = (seq: number) => 1_000 + ((seq * 37) % 9_000);

/** Breakdown of ours, per call, to tell where its time goes. */
const oursSteps: Record<'reserve' | 'commit', number[]> = { reserve: [], commit: [] };

function oursPair(budget: BudgetController): Pair {
  return async (loop, seq) => {
    const requestId = `bench-${run}-${loop}-${seq}`;
    let t = performance.now();
    const r = await budget.reserve({ requestId, tenantId: tenantFor(loop, seq), amount });
    oursSteps.reserve.push(performance.now() - t);
    if (!r.granted || r.replayed) return fail(`ours: reserve ${requestId} answered granted=${r.granted} replayed=${r.replayed}`);
    t = performance.now();
    const c = await budget.commit({ requestId, attempt: 1, tokens: tokensFor(seq), final: true });
    oursSteps.commit.push(performance.now() - t);
    if (c.outcome !== 'committed' || c.replayed) return fail(`ours: commit ${requestId} answered ${c.outcome}`);
  };
}

function minimalPair(db: Db): Pair {
  return async (loop, seq) => {
    const id = `${loop}-${seq}`;
    const tenant = tenantFor(loop, seq);
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const ins = await client.query(`INSERT INTO ${schema}.requests (id, tenant, amount) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [id, tenant, amount]);
      const upd = await client.query(`UPDATE ${schema}.counters SET used = used + $2 WHERE tenant = $1 AND used + $2 <= lim`, [tenant, amount]);
      if (ins.rowCount !== 1 || upd.rowCount !== 1) {
        await client.query('ROLLBACK');
        return fail(`minimal: reserve ${id} inserted ${ins.rowCount}, updated ${upd.rowCount}`);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    // The request's tokens are set once (a repeat finds them set and changes nothing); the counter keeps only what was used.
    const settled = await db.query(
      `WITH r AS (UPDATE ${schema}.requests SET tokens = $2 WHERE id = $1 AND tokens IS NULL RETURNING tenant, amount)
       UPDATE ${schema}.counters c SET used = c.used - r.amount + $2 FROM r WHERE c.tenant = r.tenant`,
      [id, tokensFor(seq)],
    );
    if (settled.rowCount !== 1) fail(`minimal: commit ${id} updated ${settled.rowCount}`);
  };
}

function barePair(db: Db): Pair {
  return async (loop, seq) => {
    const res = await db.query(`UPDATE ${schema}.counters SET used = used + $2 WHERE tenant = $1 AND used + $2 <= lim`, [tenantFor(loop, seq), tokensFor(seq)]);
    if (res.rowCount !== 1) fail(`bare: update for ${tenantFor(loop, seq)} updated ${res.rowCount}`);
  };
}

let sequence = 0;
/** CONCURRENCY loops of pairs for ms; latencies kept when measured. */
async function drive(variant: Variant, ms: number, measured: boolean): Promise<void> {
  const cpuBefore = sampleCpu();
  const started = performance.now();
  const deadline = started + ms;
  let pairs = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await variant.pair(loop, sequence++);
        if (measured) variant.latencies.push(performance.now() - t);
        pairs += 1;
      }
    }),
  );
  if (measured) {
    variant.pairs += pairs;
    variant.ms += performance.now() - started;
    addCpu(variant.cpu, cpuBefore, sampleCpu());
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function setUp(db: Db): Promise<void> {
  await db.query(`CREATE SCHEMA ${schema}`);
  await db.query(`CREATE TABLE ${schema}.requests (id text PRIMARY KEY, tenant text NOT NULL, amount bigint NOT NULL, tokens bigint)`);
  await db.query(`CREATE TABLE ${schema}.counters (tenant text PRIMARY KEY, used bigint NOT NULL DEFAULT 0, lim bigint NOT NULL)`);
  await db.query(`INSERT INTO ${schema}.counters (tenant, lim) SELECT t, $2 FROM unnest($1::text[]) AS t`, [tenants, HUGE]);
  await db.query(
    `INSERT INTO budget_limits (tenant_id, total_limit, period, period_start)
     SELECT t, $2, 'total', budget_period_start('total', now()) FROM unnest($1::text[]) AS t`,
    [tenants, HUGE],
  );
}

/** Drops the scratch schema, the bench tenants' ledger rows and their Redis keys. */
async function tearDown(db: Db, redis: Redis): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  for (const table of ['budget_usage', 'budget_reservations', 'budget_limit_changes', 'budget_limits']) {
    await db.query(`DELETE FROM ${table} WHERE tenant_id = ANY($1)`, [tenants]);
  }
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `golden:budget:*bench-${run}-*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const scaleName = process.env.BENCH_SCALE === 'ci' ? 'ci' : 'default';
  const scale = SCALES[scaleName];
  const config = loadConfig();
  await requireServices(config, ['postgres', 'redis']);
  const db = createDb({ DATABASE_URL: config.DATABASE_OWNER_URL ?? config.DATABASE_URL, DATABASE_POOL_SIZE: POOL_SIZE });
  const redis = createRedis(config);
  const budget = new BudgetController({
    db,
    redis,
    config: {
      BUDGET_DEFAULT_LIMIT: 0,
      BUDGET_DEFAULT_PERIOD: 'total',
      BUDGET_RESERVATION_TTL_SECONDS: 900,
      BUDGET_IDEMPOTENCY_TTL_HOURS: 24,
      BUDGET_INFLIGHT_TTL_MS: 5_000,
    },
  });
  const variants: Variant[] = [
    { name: 'ours', pair: oursPair(budget), latencies: [], pairs: 0, ms: 0, cpu: { nodeMs: 0 } },
    { name: 'minimal', pair: minimalPair(db), latencies: [], pairs: 0, ms: 0, cpu: { nodeMs: 0 } },
    { name: 'bare', pair: barePair(db), latencies: [], pairs: 0, ms: 0, cpu: { nodeMs: 0 } },
  ];
  const { rows } = await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
  console.log(
    `budget bench (${scaleName}): ${CONCURRENCY} concurrent loops, pool ${POOL_SIZE}, ${TENANTS} tenants, synchronous_commit=${rows[0]?.synchronous_commit}; ` +
      `warm-up ${scale.warmupMs / 1000} s each, ${scale.rounds} interleaved rounds of ${scale.roundMs / 1000} s each (run ${randomUUID().slice(0, 8)})`,
  );
  const started = Date.now();
  try {
    await setUp(db);
    for (const v of variants) await drive(v, scale.warmupMs, false);
    for (const steps of Object.values(oursSteps)) steps.length = 0;
    for (let round = 0; round < scale.rounds; round += 1) {
      for (let i = 0; i < variants.length; i += 1) await drive(variants[(i + round) % variants.length]!, scale.roundMs, true);
    }
  } finally {
    await tearDown(db, redis).catch((err: unknown) => console.error(`budget bench: clean-up failed: ${(err as Error).message}`));
    await db.end();
    redis.disconnect();
  }

  const perSecond = (v: Variant) => (v.pairs / v.ms) * 1000;
  for (const v of variants) {
    const sorted = [...v.latencies].sort((a, b) => a - b);
    console.log(
      `  ${v.name.padEnd(8)} ${perSecond(v).toFixed(0).padStart(6)} pairs/s   p50 ${percentile(sorted, 50).toFixed(2).padStart(6)} ms   p99 ${percentile(sorted, 99).toFixed(2).padStart(6)} ms   (${v.pairs} pairs; ${formatCpuPerPair(v.cpu, v.pairs)})`,
    );
  }
  const steps = Object.entries(oursSteps).map(([step, ms]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return `${step} p50 ${percentile(sorted, 50).toFixed(2)} ms / p99 ${percentile(sorted, 99).toFixed(2)} ms`;
  });
  console.log(`  ours per call: ${steps.join(', ')}`);
  const [ours, minimal, bare] = variants.map(perSecond) as [number, number, number];
  console.log(`  took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`budget bench: ours/minimal=${(ours / minimal).toFixed(2)} ours/bare=${(ours / bare).toFixed(2)}`);
  if (failures > 0) {
    console.error(`budget bench: ${failures} call(s) did not do what they should`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`budget bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
