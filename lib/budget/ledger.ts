import type { BudgetLimitUpdate, BudgetPeriod, BudgetStatus, ReservationState } from '../../domain/budget.js';
import type { Db } from '../db.js';

/**
 * The Postgres ledger: thin calls of the SQL functions in
 * migrations/002_budget.sql, each one atomic round trip. This is the final
 * guard of exactly-once charging; nothing here depends on Redis.
 */

export interface LedgerDefaults {
  ttlSeconds: number;
  defaultLimit: number;
  defaultPeriod: BudgetPeriod;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

export async function ledgerReserve(db: Db, args: { requestId: string; tenantId: string; amount: number; paramsHash: string }, d: LedgerDefaults) {
  const { rows } = await db.query<{ outcome: 'granted' | 'replayed' | 'denied' | 'conflict'; amount: string; remaining: string; expires_at: Date | null }>(
    {
      // Named: each connection parses and plans the hot calls once, not per call.
      name: 'budget_reserve',
      text: 'SELECT * FROM budget_reserve($1, $2, $3, $4, $5, $6, $7)',
      values: [args.requestId, args.tenantId, args.amount, args.paramsHash, d.ttlSeconds, d.defaultLimit, d.defaultPeriod],
    },
  );
  const row = rows[0]!;
  return { outcome: row.outcome, amount: Number(row.amount), remaining: Number(row.remaining), expiresAt: row.expires_at?.toISOString() ?? null };
}

export async function ledgerRearm(db: Db, requestId: string, ttlSeconds: number) {
  const { rows } = await db.query<{ outcome: 'armed' | 'denied' | 'unknown'; held: string; remaining: string | null; tenant_id: string | null }>(
    'SELECT * FROM budget_rearm($1, $2)',
    [requestId, ttlSeconds],
  );
  const row = rows[0]!;
  return { outcome: row.outcome, held: Number(row.held), remaining: num(row.remaining), tenantId: row.tenant_id };
}

export async function ledgerCommit(db: Db, args: { requestId: string; attempt: number; tokens: number; final?: boolean }) {
  const { rows } = await db.query<{
    outcome: 'committed' | 'replayed' | 'conflict' | 'over_limit' | 'unknown';
    tokens: string;
    remaining: string | null;
    tenant_id: string | null;
  }>(
    { name: 'budget_commit', text: 'SELECT * FROM budget_commit($1, $2, $3, $4)', values: [args.requestId, args.attempt, args.tokens, args.final ?? false] },
  );
  const row = rows[0]!;
  return { outcome: row.outcome, tokens: Number(row.tokens), remaining: num(row.remaining), tenantId: row.tenant_id };
}

export async function ledgerRelease(db: Db, requestId: string) {
  const { rows } = await db.query<{ outcome: 'released' | 'final' | 'unknown'; released: string; state: ReservationState | null; tenant_id: string | null }>(
    'SELECT * FROM budget_release($1)',
    [requestId],
  );
  const row = rows[0]!;
  return { outcome: row.outcome, released: Number(row.released), state: row.state, tenantId: row.tenant_id };
}

export async function ledgerExpire(db: Db, batch: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT budget_expire($1) AS n', [batch]);
  return rows[0]!.n;
}

export async function ledgerRollPeriods(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT budget_roll_periods() AS n');
  return rows[0]!.n;
}

interface StatusRow {
  tenant_id: string;
  total_limit: string;
  period: BudgetPeriod;
  period_start: Date;
  reserved: string;
  committed: string;
  remaining: string;
}

function toStatus(row: StatusRow): BudgetStatus {
  return {
    tenantId: row.tenant_id,
    totalLimit: Number(row.total_limit),
    period: row.period,
    periodStart: row.period_start.toISOString(),
    reserved: Number(row.reserved),
    committed: Number(row.committed),
    remaining: Number(row.remaining),
  };
}

export async function ledgerStatus(db: Db, tenantId: string): Promise<BudgetStatus | undefined> {
  const { rows } = await db.query<StatusRow>('SELECT * FROM budget_status WHERE tenant_id = $1', [tenantId]);
  return rows[0] ? toStatus(rows[0]) : undefined;
}

export async function ledgerAllStatuses(db: Db): Promise<BudgetStatus[]> {
  const { rows } = await db.query<StatusRow>('SELECT * FROM budget_status ORDER BY tenant_id');
  return rows.map(toStatus);
}

/**
 * Sets a tenant's limit (creating its budget if needed) as `actor`: the
 * trigger records who, when, old and new, and notifies every cache. Lowering
 * a limit below what is already reserved + committed is refused by the
 * database's constraint.
 */
export async function ledgerSetLimit(db: Db, tenantId: string, update: BudgetLimitUpdate, actor: string, defaultPeriod: BudgetPeriod): Promise<BudgetStatus> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('golden.actor', $1, true)", [actor]);
    await client.query(
      `INSERT INTO budget_limits (tenant_id, total_limit, period, period_start)
       VALUES ($1, $2, $3, budget_period_start($3, now()))
       ON CONFLICT (tenant_id) DO UPDATE SET total_limit = EXCLUDED.total_limit,
         period = COALESCE($4, budget_limits.period), updated_at = now()`,
      [tenantId, update.totalLimit, update.period ?? defaultPeriod, update.period ?? null],
    );
    const { rows } = await client.query<StatusRow>('SELECT * FROM budget_status WHERE tenant_id = $1', [tenantId]);
    await client.query('COMMIT');
    return toStatus(rows[0]!);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export interface ReservationView {
  requestId: string;
  tenantId: string;
  amount: number;
  held: number;
  consumed: number;
  state: ReservationState;
  createdAt: string;
  expiresAt: string;
}

export async function ledgerReservations(db: Db, tenantId: string, opts: { state?: ReservationState; limit: number }): Promise<ReservationView[]> {
  const { rows } = await db.query<{
    request_id: string;
    tenant_id: string;
    amount: string;
    held: string;
    consumed: string;
    state: ReservationState;
    created_at: Date;
    expires_at: Date;
  }>(
    `SELECT request_id, tenant_id, amount, held, consumed, state, created_at, expires_at FROM budget_reservations
     WHERE tenant_id = $1 AND ($2::text IS NULL OR state = $2) ORDER BY created_at DESC LIMIT $3`,
    [tenantId, opts.state ?? null, opts.limit],
  );
  return rows.map((r) => ({
    requestId: r.request_id,
    tenantId: r.tenant_id,
    amount: Number(r.amount),
    held: Number(r.held),
    consumed: Number(r.consumed),
    state: r.state,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
  }));
}

export interface Inconsistency {
  tenantId: string;
  counter: string;
  recorded: number;
  expected: number;
}

/** Compares every counter with the ledger rows it summarises and records the run; returns the mismatches. */
export async function ledgerReconcile(db: Db): Promise<{ tenantsChecked: number; violations: Inconsistency[] }> {
  const { rows } = await db.query<{ tenant_id: string; counter: string; recorded: string; expected: string }>(
    'SELECT * FROM budget_inconsistencies WHERE recorded <> expected',
  );
  const violations = rows.map((r) => ({ tenantId: r.tenant_id, counter: r.counter, recorded: Number(r.recorded), expected: Number(r.expected) }));
  const { rows: counted } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM budget_limits');
  const tenantsChecked = counted[0]!.n;
  await db.query('INSERT INTO budget_reconciliations (tenants_checked, violations, details) VALUES ($1, $2, $3)', [
    tenantsChecked,
    violations.length,
    JSON.stringify(violations.slice(0, 100)),
  ]);
  return { tenantsChecked, violations };
}

export async function latestReconciliation(db: Db): Promise<{ violations: number; runAt: string } | undefined> {
  const { rows } = await db.query<{ violations: number; run_at: Date }>('SELECT violations, run_at FROM budget_reconciliations ORDER BY id DESC LIMIT 1');
  return rows[0] ? { violations: rows[0].violations, runAt: rows[0].run_at.toISOString() } : undefined;
}
