import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../lib/db.js';
import { commit, rearm, release, reserve, type Client, type Ops } from './clients.js';

/** The ways a hold outlives its expiry; each one ends committed or over_limit, never charged twice. */
export const EXPIRY_PATHS = ['swept-then-committed', 'swept-then-over-limit', 'swept-then-rearmed', 'unswept-then-committed'] as const;
export type ExpiryPath = (typeof EXPIRY_PATHS)[number];

/** The limit each path's tenant starts with. */
export const EXPIRY_LIMITS: Record<ExpiryPath, number> = {
  'swept-then-committed': 1000,
  // Exactly one hold: once another request takes it, the late commit cannot fit.
  'swept-then-over-limit': 400,
  'swept-then-rearmed': 1000,
  'unswept-then-committed': 1000,
};

interface Snapshot {
  reserved: number;
  committed: number;
  state: string | undefined;
  usage: number;
}

async function snapshot(db: Db, tenant: string, requestId: string): Promise<Snapshot> {
  const { rows } = await db.query<{ reserved: string; committed: string; state: string | null; usage: number }>(
    `SELECT l.reserved, l.committed,
            (SELECT state FROM budget_reservations WHERE request_id = $2) AS state,
            (SELECT count(*)::int FROM budget_usage WHERE request_id = $2) AS usage
     FROM budget_limits l WHERE l.tenant_id = $1`,
    [tenant, requestId],
  );
  const r = rows[0]!;
  return { reserved: Number(r.reserved), committed: Number(r.committed), state: r.state ?? undefined, usage: r.usage };
}

/**
 * One path. `shortLived` reserves with a 1 s TTL (below what config
 * validation allows, on purpose); `client` has the normal TTL.
 */
export async function expiryPath(
  ops: Ops,
  db: Db,
  clients: { shortLived: Client; client: Client },
  args: { path: ExpiryPath; tenant: string; requestId: string },
): Promise<void> {
  const { path, tenant, requestId: rid } = args;
  const { shortLived, client } = clients;
  const violation = (msg: string): void => void ops.history.violations.push(`${rid} (${path}): ${msg}`);
  const expect = async (step: string, want: Partial<Snapshot>) => {
    const got = await snapshot(db, tenant, rid);
    for (const [k, v] of Object.entries(want)) {
      if (got[k as keyof Snapshot] !== v) violation(`${step}: ${k} is ${got[k as keyof Snapshot]}, expected ${v} (${JSON.stringify(got)})`);
    }
  };
  const amount = 400;
  const tokens = 300;

  const granted = await reserve(ops, shortLived, { requestId: rid, tenant, amount });
  if (granted?.kind !== 'granted') return violation(`the reservation was answered ${granted?.kind}`);
  await sleep(1_300);
  if (path !== 'unswept-then-committed') {
    // A concurrent sweep (another path's, another process's) may hold the row: its SKIP LOCKED
    // leaves it to that one, so sweep until the hold is given back, by whichever sweep.
    for (let i = 0; i < 50 && (await snapshot(db, tenant, rid)).state === 'reserved'; i += 1) {
      await shortLived.controller.expireStale();
      await sleep(20);
    }
    await expect('after the sweep', { state: 'expired', reserved: 0 });
  }

  if (path === 'swept-then-over-limit') {
    const blocker = `${rid}-blocker`;
    const b = await reserve(ops, client, { requestId: blocker, tenant, amount });
    if (b?.kind !== 'granted') return violation(`the blocking reservation was answered ${b?.kind}`);
    for (const round of [1, 2]) {
      const late = await commit(ops, client, { requestId: rid, tenant, attempt: 1, tokens });
      if (late?.kind !== 'over_limit') violation(`late commit (try ${round}) over a full budget was answered ${late?.kind}, not over_limit`);
      await expect(`after over_limit (try ${round})`, { reserved: amount, committed: 0, usage: 0 });
    }
    await release(ops, client, blocker);
    // The refusal was not kept: with the budget free again, the same commit is judged afresh.
  }
  if (path === 'swept-then-rearmed') {
    const state = await rearm(ops, client, rid);
    if (state !== 'armed') violation(`rearm of an expired hold was answered ${state}`);
    await expect('after rearm', { state: 'reserved', reserved: amount });
  }

  const first = await commit(ops, client, { requestId: rid, tenant, attempt: 1, tokens });
  if (first?.kind !== 'committed' || first.replayed) violation(`commit was answered ${first?.kind}${first?.replayed ? ' (replayed)' : ''}, expected committed`);
  const again = await commit(ops, shortLived, { requestId: rid, tenant, attempt: 1, tokens });
  if (again?.kind !== 'committed' || !again.replayed) violation(`the repeated commit was answered ${again?.kind}, expected a replay`);
  // Unswept, the commit comes out of the hold, unless a sweep (any process's) got there first: both are right.
  const heldAfter = path === 'swept-then-rearmed' ? [amount - tokens] : path === 'unswept-then-committed' ? [amount - tokens, 0] : [0];
  await expect('after the commit', heldAfter.length === 1 ? { committed: tokens, usage: 1, reserved: heldAfter[0] } : { committed: tokens, usage: 1 });

  const rel = await release(ops, client, rid);
  if (rel && (!heldAfter.includes(rel.released) || rel.state !== 'committed')) {
    violation(`release gave back ${rel.released} into ${rel.state}, expected ${heldAfter.join(' or ')} into committed`);
  }
  await expect('after the release', { state: 'committed', reserved: 0, committed: tokens, usage: 1 });
}
