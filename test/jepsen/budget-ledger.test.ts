/**
 * Jepsen-style checks of the budget ledger against the real Postgres and
 * Redis of the stack: many clients (each its own controller, pg pool and
 * Redis connection, as separate processes would be) send every step as a
 * storm of duplicates while processes are SIGKILLed mid-call, Redis is
 * flushed and killed, Postgres restarted, and holds outlive their expiry.
 * Every answer a client gets is kept (history.ts); at the end of each
 * scenario, and again after all of them, the ledger must match those
 * answers exactly (ledger-check.ts): every key charged at most once, the
 * counters equal to the rows and to what clients were told, no tenant over
 * its limit, nothing left reserved.
 *
 * JEPSEN_SCALE=ci (about 90 s) or full (the default, about 5 min); JEPSEN_SEED
 * replays the workload's random choices. Summary columns: granted = fresh
 * grants of reserves and commits; denied = refused reserves, rearms and
 * over_limit commits; replayed = answers to repeats; conflicts = ids reused
 * with other parameters (IdempotencyConflictError).
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { requireServices, uniqueId } from '../support/services.js';
import { ensureServicesUp, flushRedis, restartService } from './chaos.js';
import { closeClients, isRetryable, openClients, type Client, type Ops } from './clients.js';
import { EXPIRY_LIMITS, EXPIRY_PATHS, expiryPath } from './expiry.js';
import { formatSummary, History } from './history.js';
import { killRound, type KillResult } from './kill.js';
import { assertNoViolations, checkLedger, finalize } from './ledger-check.js';
import { Partition } from './proxy.js';
import { jepsenScale, Rng } from './scale.js';
import { runDrivers, setLimits, startTopUp } from './workload.js';

const scale = jepsenScale(process.env.JEPSEN_SCALE);
const seed = Number(process.env.JEPSEN_SEED ?? Math.floor(Math.random() * 2 ** 31));
const rng = new Rng(seed);
const config = loadConfig();
const histories: History[] = [];
let admin: Db;

const TENANTS_PER_STORM = 10;
const STORM_LIMIT = 1_500;
// Tenants are topped up by this much every half second: enough to keep granting, too little to stop denying.
const TOP_UP = 150;

/** Retries an admin query through an outage's tail (idle pooled connections may still be dead). */
async function settled<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i += 1) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 20 || !isRetryable(err)) throw err;
      await sleep(250);
    }
  }
}

interface Scenario {
  history: History;
  clients: Client[];
  ops: Ops;
}

/** Runs body with fresh clients, then releases everything, sweeps, and checks the history and the ledger. */
async function scenario(
  t: TestContext,
  name: string,
  inflightMs: number,
  body: (s: Scenario) => Promise<void>,
  clientConfig: Config = config,
): Promise<History> {
  const history = new History(name);
  histories.push(history);
  const clients = openClients(clientConfig, scale.clients, {
    poolSize: scale.poolSize,
    inflightMs,
    reservationTtlSeconds: 900,
    onRedisFallback: () => (history.tally.redisFallbacks += 1),
  });
  history.clients = clients.length;
  const ops: Ops = { history, deadlineMs: scale.opDeadlineMs };
  try {
    await body({ history, clients, ops });
    await finalize(ops, clients);
  } finally {
    history.finishedAt = Date.now();
    await closeClients(clients);
  }
  const violations = [...history.checkSelf(), ...(await settled(() => checkLedger(admin, history, { final: true })))];
  const kinds = [...history.tally.errorKinds].map(([k, n]) => `${k}×${n}`).join(', ');
  const fallbacks = history.tally.redisFallbacks > 0 ? `; ${history.tally.redisFallbacks} calls answered by the ledger alone (Redis failed)` : '';
  t.diagnostic(`${name}: ${history.tally.requests} requests, ${history.tenants.size} tenants${kinds ? `; retried: ${kinds}` : ''}${fallbacks}`);
  assertNoViolations(name, violations);
  return history;
}

/** A scenario that passes without its fault having had any effect proves nothing. */
function assertBit(history: History, what: string, ok: boolean): void {
  if (!ok) throw new Error(`${history.scenario}: vacuous run, ${what} (${JSON.stringify(history.summary())})`);
}

/** Duplicate storms on many tenants for `seconds`, with `faults` injected at even intervals while they run. */
async function storms(t: TestContext, name: string, seconds: number, faults: Array<() => Promise<void>>, clientConfig = config): Promise<History> {
  const history = await scenario(t, name, 1_000, async ({ history, clients, ops }) => {
    const tenants = Array.from({ length: TENANTS_PER_STORM }, () => uniqueId('jp'));
    for (const tenant of tenants) history.tenants.add(tenant);
    await setLimits(admin, tenants, STORM_LIMIT);
    const topUp = startTopUp(admin, tenants, 500, TOP_UP);
    const start = Date.now();
    let faultsDone = false;
    const drivers = runDrivers(
      { prefix: uniqueId('jp-req'), clients, tenants, rng, ops },
      { drivers: scale.drivers, max: scale.maxLifecycles, stop: () => faultsDone && Date.now() > start + seconds * 1000 },
    );
    try {
      for (const [i, fault] of faults.entries()) {
        await sleep(Math.max(0, start + (seconds * 1000 * (i + 1)) / (faults.length + 1) - Date.now()));
        await fault();
      }
    } finally {
      faultsDone = true;
      const lifecycles = await drivers;
      await topUp.stop();
      t.diagnostic(`${name}: ${lifecycles} request lifecycles on ${scale.drivers} drivers`);
    }
  }, clientConfig);
  const { granted, denied, conflicts, replayed } = history.tally;
  assertBit(history, 'some requests must be granted, denied, replayed and refused as conflicts', granted > 0 && denied > 0 && conflicts > 0 && replayed > 0);
  return history;
}

describe(`budget ledger, Jepsen-style (scale ${scale.name})`, { timeout: scale.suiteTimeoutMs }, () => {
  before(async () => {
    await requireServices(config, ['postgres', 'redis']);
    admin = createDb({ DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: 2 }, () => undefined);
    console.log(`jepsen: scale ${scale.name}, seed ${seed} (JEPSEN_SEED=${seed} replays the workload's choices)`);
  });

  after(async () => {
    await ensureServicesUp(config, (line) => console.log(line));
    await admin?.end();
  });

  it('duplicate storms: each step sent 5-20 times at once by different clients is charged once', async (t) => {
    await storms(t, 'duplicate storms', scale.stormSeconds, []);
  });

  it('SIGKILL between the Redis step and the Postgres commit: the retry is charged once', async (t) => {
    await scenario(t, 'sigkill mid-call', 500, async ({ history, clients, ops }) => {
      // Reserves are the calls with a Redis step in front of the ledger; commits go to Postgres alone
      // (their (request, attempt) primary key decides repeats), so there is nothing to die between.
      const rounds = (['reserve'] as const).flatMap((op) =>
        (['locked', 'ledger-done'] as const).flatMap((phase) =>
          Array.from({ length: scale.killRounds }, () => ({ op, phase, tenant: uniqueId('jp-kill'), requestId: uniqueId('jp-kill-req') })),
        ),
      );
      for (const r of rounds) history.tenants.add(r.tenant);
      history.clients += rounds.length;
      await setLimits(admin, [...history.tenants], 1_000_000);
      const results: KillResult[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: scale.killParallel }, async () => {
          while (next < rounds.length) results.push(await killRound(ops, clients, admin, { ...rounds[next++]!, inflightMs: 500 }));
        }),
      );
      for (const op of ['reserve']) {
        for (const phase of ['locked', 'ledger-done']) {
          const ms = results.filter((r) => r.op === op && r.phase === phase).map((r) => r.retryMs);
          t.diagnostic(`${op} killed at ${phase}: ${ms.length} kills, retries answered in ${Math.min(...ms)}-${Math.max(...ms)} ms`);
        }
      }
    });
  });

  it('Redis flushed and restarted (SIGKILL) mid-run: no double charge', async (t) => {
    // Our clients reach Redis through a proxy that is cut around each restart: a restart alone is
    // over before ioredis notices, and calls must really lose Redis and fall back to the ledger.
    const { partition, url } = await Partition.start(config.REDIS_URL);
    try {
      const faults = Array.from({ length: scale.redisRestarts }, () => async () => {
        partition.cut();
        try {
          await flushRedis(config);
          const ms = await restartService('redis', true, () => undefined);
          await sleep(1_500);
          t.diagnostic(`redis: cut off from our clients, FLUSHALL, killed (SIGKILL) and back in ${ms} ms, reachable again 1.5 s later`);
        } finally {
          partition.heal();
        }
      });
      const history = await storms(t, 'redis flush+kill', scale.redisSeconds, faults, { ...config, REDIS_URL: url });
      assertBit(history, 'no call ever lost Redis', history.tally.redisFallbacks > 0);
    } finally {
      await partition.close();
    }
  });

  it('Postgres restarted mid-run: failed calls retried with the same ids, no double charge', async (t) => {
    // The second restart (full scale) is a crash: SIGKILL, then recovery from the WAL.
    const faults = Array.from({ length: scale.postgresRestarts }, (_, i) => async () => {
      const kill = i === 1;
      const ms = await restartService('postgres', kill, () => undefined);
      t.diagnostic(`postgres: ${kill ? 'killed (SIGKILL)' : 'restarted'} and back in ${ms} ms`);
    });
    const history = await storms(t, 'postgres restart', scale.postgresSeconds, faults);
    assertBit(history, 'no call ever failed while Postgres restarted', history.tally.retried > 0);
  });

  it('a reservation held past its expiry, then committed: charged if the limit allows, over_limit otherwise', async (t) => {
    await scenario(t, 'held past expiry', 500, async ({ history, clients, ops }) => {
      const [shortLived] = openClients(config, 1, { poolSize: 2, inflightMs: 500, reservationTtlSeconds: 1 });
      history.clients += 1;
      try {
        const runs = EXPIRY_PATHS.flatMap((path) =>
          Array.from({ length: scale.expiryEach }, (_, i) => ({ path, tenant: uniqueId('jp-exp'), requestId: uniqueId('jp-exp-req'), client: clients[i % clients.length]! })),
        );
        for (const r of runs) {
          history.tenants.add(r.tenant);
          await setLimits(admin, [r.tenant], EXPIRY_LIMITS[r.path]);
        }
        await Promise.all(runs.map((r) => expiryPath(ops, admin, { shortLived: shortLived!, client: r.client }, r)));
      } finally {
        await closeClients([shortLived!]);
      }
    });
  });

  it('after every scenario and fault: the ledger still equals what clients were told', async (t) => {
    const violations: string[] = [];
    for (const history of histories) {
      for (const v of await settled(() => checkLedger(admin, history, { final: true }))) violations.push(`${history.scenario}: ${v}`);
    }
    const rows = histories.map((h) => h.summary());
    console.log(['', ...formatSummary(rows), ''].join('\n'));
    t.diagnostic(`${histories.length} scenarios re-checked against the ledger; seed ${seed}`);
    assertNoViolations('final check', violations);
  });
});
