import type { Db } from '../../lib/db.js';
import { release, type Client, type Ops } from './clients.js';
import { commitKey, type History } from './history.js';

interface ReservationRow {
  request_id: string;
  tenant_id: string;
  amount: string;
  held: string;
  consumed: string;
  state: string;
}

/** Releases every request id a client was ever told was granted (as the workflows' cleanup would), then sweeps. */
export async function finalize(ops: Ops, clients: Client[]): Promise<void> {
  const ids = [...ops.history.reserves.keys()].filter((rid) => ops.history.grantOf(rid) !== undefined);
  let next = 0;
  // A few at a time: this is cleanup, not load.
  await Promise.all(
    clients.slice(0, 4).map(async (client) => {
      while (next < ids.length) {
        const rid = ids[next++]!;
        await release(ops, client, rid);
      }
    }),
  );
  await clients[0]!.controller.expireStale();
}

/**
 * The ledger against what clients were told. With `final`, also: nothing
 * left reserved, and each reservation's final state follows what it consumed.
 * Returns one line per violation, naming the ids.
 */
export async function checkLedger(db: Db, history: History, opts: { final: boolean }): Promise<string[]> {
  const tenants = [...history.tenants];
  const out: string[] = [];
  const { rows: reservations } = await db.query<ReservationRow>(
    'SELECT request_id, tenant_id, amount, held, consumed, state FROM budget_reservations WHERE tenant_id = ANY($1)',
    [tenants],
  );
  const { rows: usage } = await db.query<{ request_id: string; attempt: number; tenant_id: string; tokens: string }>(
    'SELECT request_id, attempt, tenant_id, tokens FROM budget_usage WHERE tenant_id = ANY($1)',
    [tenants],
  );
  const { rows: limits } = await db.query<{ tenant_id: string; total_limit: string; reserved: string; committed: string }>(
    'SELECT tenant_id, total_limit, reserved, committed FROM budget_limits WHERE tenant_id = ANY($1)',
    [tenants],
  );
  const { rows: drift } = await db.query<{ tenant_id: string; counter: string; recorded: string; expected: string }>(
    'SELECT * FROM budget_inconsistencies WHERE recorded <> expected AND tenant_id = ANY($1)',
    [tenants],
  );
  const unknown = (id: string) => history.unresolved.some((u) => u.includes(id));

  // Reservations: exactly the request ids some client was told were granted, with the granted parameters.
  const rowOf = new Map(reservations.map((r) => [r.request_id, r]));
  for (const r of reservations) {
    const grant = history.grantOf(r.request_id);
    if (!grant) {
      if (!unknown(r.request_id)) out.push(`reservation ${r.request_id} (${r.tenant_id}, ${r.amount}) is in the ledger, but no client was told it was granted`);
    } else if (grant.tenant !== r.tenant_id || grant.amount !== Number(r.amount)) {
      out.push(`reservation ${r.request_id}: ledger has ${r.tenant_id}/${r.amount}, clients were granted ${grant.tenant}/${grant.amount}`);
    }
  }
  for (const [rid, rec] of history.reserves) {
    const row = rowOf.get(rid);
    if (history.grantOf(rid) && !row) out.push(`reservation ${rid}: clients were told it was granted, the ledger has no row`);
    for (const a of rec.answers.filter((x) => x.kind === 'conflict')) {
      if (!row) out.push(`reservation ${rid}: a conflict was reported for ${a.tenant}/${a.amount}, but nothing was ever granted under that id`);
      else if (row.tenant_id === a.tenant && Number(row.amount) === a.amount) out.push(`reservation ${rid}: a conflict was reported for the very parameters that were granted`);
    }
  }

  // Usage: exactly the (request, attempt) pairs some client was told were committed, with their tokens.
  const usageOf = new Map(usage.map((u) => [commitKey(u.request_id, u.attempt), u]));
  for (const u of usage) {
    const key = commitKey(u.request_id, u.attempt);
    const told = history.committedTokens(key);
    if (told === undefined) {
      if (!unknown(key)) out.push(`usage ${key} (${u.tokens} tokens) is in the ledger, but no client was told it was committed`);
    } else if (told !== Number(u.tokens)) {
      out.push(`usage ${key}: ledger charged ${u.tokens}, clients were told ${told}`);
    }
  }
  const consumedBy = new Map<string, number>();
  const committedBy = new Map<string, number>();
  for (const [key, rec] of history.commits) {
    const told = history.committedTokens(key);
    const row = usageOf.get(key);
    for (const a of rec.answers.filter((x) => x.kind === 'conflict')) {
      if (!row) out.push(`usage ${key}: a conflict was reported for ${a.tokens} tokens, but nothing was ever committed under that key`);
      else if (Number(row.tokens) === a.tokens) out.push(`usage ${key}: a conflict was reported for the very tokens that were committed`);
    }
    if (told === undefined) continue;
    if (!row) out.push(`usage ${key}: clients were told ${told} tokens were committed, the ledger has no row`);
    const tenant = history.grantOf(rec.requestId)?.tenant ?? rec.tenant;
    consumedBy.set(rec.requestId, (consumedBy.get(rec.requestId) ?? 0) + told);
    committedBy.set(tenant, (committedBy.get(tenant) ?? 0) + told);
  }
  for (const r of reservations) {
    const told = consumedBy.get(r.request_id) ?? 0;
    if (Number(r.consumed) !== told) out.push(`reservation ${r.request_id}: consumed ${r.consumed} in the ledger, clients were told ${told} was committed`);
    if (opts.final) {
      if (r.state === 'reserved' || Number(r.held) !== 0) out.push(`reservation ${r.request_id}: still ${r.state} holding ${r.held} after its release and the sweep`);
      const expected = Number(r.consumed) > 0 ? 'committed' : 'released';
      if (r.state !== expected) out.push(`reservation ${r.request_id}: final state ${r.state} but it consumed ${r.consumed} (expected ${expected})`);
    }
  }

  // Counters: what clients saw committed, within the limit, matching the ledger rows.
  for (const l of limits) {
    const told = committedBy.get(l.tenant_id) ?? 0;
    if (Number(l.committed) !== told) out.push(`tenant ${l.tenant_id}: committed ${l.committed}, clients were told ${told} (distinct request/attempt pairs)`);
    if (Number(l.reserved) + Number(l.committed) > Number(l.total_limit)) {
      out.push(`tenant ${l.tenant_id}: over its limit (reserved ${l.reserved} + committed ${l.committed} > ${l.total_limit})`);
    }
    if (opts.final && Number(l.reserved) !== 0) out.push(`tenant ${l.tenant_id}: ${l.reserved} still reserved after every release and the sweep`);
  }
  for (const d of drift) out.push(`budget_inconsistencies: tenant ${d.tenant_id} ${d.counter} recorded ${d.recorded}, rows say ${d.expected}`);
  if (limits.length !== tenants.length) out.push(`expected ${tenants.length} test tenants in budget_limits, found ${limits.length}`);
  return out;
}

/** Fails with every violation (the first 40 in the message), naming the offending ids. */
export function assertNoViolations(scenario: string, violations: string[]): void {
  if (violations.length === 0) return;
  const shown = violations.slice(0, 40).map((v) => `  - ${v}`);
  const more = violations.length > 40 ? [`  … and ${violations.length - 40} more`] : [];
  throw new Error(`${scenario}: ${violations.length} violation(s):\n${[...shown, ...more].join('\n')}`);
}
