import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../lib/db.js';
import { commit, rearm, release, reserve, type Client, type Ops } from './clients.js';
import type { Rng } from './scale.js';

/**
 * The request lifecycle a task workflow drives (reserve → per attempt: rearm,
 * commit → release), with every step sent as a storm of identical copies
 * from different clients at once, as retried activities, restarted workers
 * and duplicated messages would send it.
 */
export interface Workload {
  /** Request ids are `${prefix}:${n}`: unique per run. */
  prefix: string;
  clients: Client[];
  tenants: string[];
  rng: Rng;
  ops: Ops;
}

// Chances per lifecycle.
const MIXED_COPY = 0.15; // one copy of the reserve storm carries other parameters
const PROBE = 0.25; // the id is reused with other parameters afterwards: must be refused
const RETRY_OLD_ATTEMPT = 0.3; // an earlier attempt's commit is sent again after a later attempt

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Sets each tenant's limit (period `total`, so no period roll changes `committed` under the checks). */
export async function setLimits(db: Db, tenants: string[], limit: number): Promise<void> {
  await db.query(
    `INSERT INTO budget_limits (tenant_id, total_limit, period, period_start)
     SELECT t, $2, 'total', budget_period_start('total', now()) FROM unnest($1::text[]) AS t
     ON CONFLICT (tenant_id) DO UPDATE SET total_limit = EXCLUDED.total_limit, period = 'total', updated_at = now()`,
    [tenants, limit],
  );
}

/**
 * Raises every tenant's limit a little, often, as an operator topping up
 * would: the tenants stay at the edge of their budget, so concurrent
 * requests keep being denied while others are granted.
 */
export function startTopUp(db: Db, tenants: string[], everyMs: number, tokens: number): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(everyMs);
      await db.query('UPDATE budget_limits SET total_limit = total_limit + $2 WHERE tenant_id = ANY($1)', [tenants, tokens]).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function otherParams(w: Workload, tenant: string, amount: number): { tenant: string; amount: number } {
  const others = w.tenants.filter((t) => t !== tenant);
  if (others.length > 0 && w.rng.chance(0.3)) return { tenant: w.rng.pick(others), amount };
  return { tenant, amount: amount + w.rng.int(1, 50) };
}

/** One request id from reserve to release; deviations from the contract go to the history's violations. */
export async function lifecycle(w: Workload, rid: string, tenant: string): Promise<void> {
  const { rng, clients, ops } = w;
  const violation = (msg: string) => ops.history.violations.push(`${rid}: ${msg}`);
  const amount = rng.int(100, 500);

  const copies = range(rng.int(5, 20)).map(() => ({ requestId: rid, tenant, amount }));
  if (rng.chance(MIXED_COPY)) copies[rng.int(0, copies.length - 1)] = { requestId: rid, tenant, amount: amount + 1 };
  const answers = await Promise.all(copies.map((c) => reserve(ops, rng.pick(clients), c)));
  // Whichever copy won decides the parameters (checked against the ledger later).
  const grant = answers.find((a) => a?.kind === 'granted');
  if (!grant || answers.includes(undefined)) return;
  const { tenant: owner, amount: held0 } = grant;
  if (rng.chance(PROBE)) await reserve(ops, rng.pick(clients), { requestId: rid, ...otherParams(w, owner, held0) }, true);

  let held = held0;
  const committed: Array<{ attempt: number; tokens: number }> = [];
  const attempts = rng.int(1, 3);
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) {
      const states = await Promise.all(range(rng.int(2, 5)).map(() => rearm(ops, rng.pick(clients), rid)));
      if (states.includes(undefined)) return;
      if (!states.includes('armed')) break; // denied: the workflow would stop here with BudgetExceededError
      held = held0;
    }
    const tokens = rng.chance(0.2) ? 0 : rng.int(1, held0);
    const results = await Promise.all(range(rng.int(5, 20)).map(() => commit(ops, rng.pick(clients), { requestId: rid, tenant: owner, attempt, tokens })));
    if (results.includes(undefined)) return;
    if (results.some((r) => r!.kind === 'over_limit')) violation(`commit #${attempt} of ${tokens} tokens, within a hold of ${held}, was refused as over_limit`);
    if (results.some((r) => r!.kind === 'committed')) {
      held -= Math.min(tokens, held);
      committed.push({ attempt, tokens });
    }
    const old = committed.filter((c) => c.attempt < attempt);
    if (old.length > 0 && rng.chance(RETRY_OLD_ATTEMPT)) {
      const again = rng.pick(old);
      const replays = await Promise.all(
        range(rng.int(2, 5)).map(() => commit(ops, rng.pick(clients), { requestId: rid, tenant: owner, attempt: again.attempt, tokens: again.tokens })),
      );
      for (const r of replays) {
        if (r && !(r.kind === 'committed' && r.replayed)) violation(`commit #${again.attempt} sent again after attempt ${attempt} was answered ${r.kind}${r.replayed ? ' (replayed)' : ' (fresh)'}, not a replay`);
      }
    }
    if (rng.chance(PROBE)) await commit(ops, rng.pick(clients), { requestId: rid, tenant: owner, attempt, tokens: tokens + 1 }, true);
  }

  const released = await Promise.all(range(rng.int(2, 5)).map(() => release(ops, rng.pick(clients), rid)));
  if (released.includes(undefined)) return;
  const total = released.reduce((sum, r) => sum + r!.released, 0);
  // A copy whose answer was lost may have released without telling: then the others see 0.
  if (total > held || (total !== held && !released.some((r) => r!.retried))) violation(`release storm gave back ${total} in total, the call held ${held}`);
  const state = committed.some((c) => c.tokens > 0) ? 'committed' : 'released';
  for (const r of released) if (r!.state !== state) violation(`released into state ${r!.state}, expected ${state}`);
}

/** Runs lifecycles on `drivers` concurrent loops until `stop()` says so or `max` were started; returns how many. */
export async function runDrivers(w: Workload, opts: { drivers: number; max: number; stop: () => boolean }): Promise<number> {
  let started = 0;
  await Promise.all(
    range(opts.drivers).map(async () => {
      while (!opts.stop() && started < opts.max) {
        const rid = `${w.prefix}:${started++}`;
        // A few hot tenants: requests of one tenant compete for its last tokens.
        const tenant = w.rng.chance(0.5) ? w.tenants[w.rng.int(0, Math.min(2, w.tenants.length - 1))]! : w.rng.pick(w.tenants);
        try {
          await lifecycle(w, rid, tenant);
        } catch (err) {
          w.ops.history.violations.push(`${rid}: lifecycle threw ${(err as Error).stack ?? String(err)}`);
        }
      }
    }),
  );
  return started;
}
