import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetController } from '../../lib/budget/controller.js';
import { IdempotencyConflictError, ReservationNotFoundError } from '../../lib/budget/errors.js';
import { createDb, type Db } from '../../lib/db.js';
import { createRedis, type Redis } from '../../lib/redis.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig();
let db: Db;
let redis: Redis;
let budget: BudgetController;

async function tenantWithLimit(limit: number): Promise<string> {
  const tenant = uniqueId('bc').toLowerCase();
  await budget.setLimit(tenant, { totalLimit: limit }, 'budget-test');
  return tenant;
}

async function counters(tenant: string) {
  const { rows } = await db.query('SELECT reserved::int, committed::int, total_limit::int FROM budget_limits WHERE tenant_id = $1', [tenant]);
  return rows[0] as { reserved: number; committed: number; total_limit: number };
}

describe('budget controller (Postgres + Redis)', () => {
  before(async () => {
    await requireServices(config, ['postgres', 'redis']);
    db = createDb(config);
    redis = createRedis(config);
    budget = new BudgetController({ db, redis, config });
  });
  after(async () => {
    redis?.disconnect();
    await db?.end();
  });

  it('grants within the limit, denies beyond it, and keeps remaining derived', async () => {
    const tenant = await tenantWithLimit(1_000);
    const first = await budget.reserve({ requestId: uniqueId('r'), tenantId: tenant, amount: 600 });
    assert.deepEqual([first.granted, first.remaining, first.replayed], [true, 400, false]);
    const second = await budget.reserve({ requestId: uniqueId('r'), tenantId: tenant, amount: 600 });
    assert.deepEqual([second.granted, second.remaining], [false, 400]);
    assert.deepEqual(await counters(tenant), { reserved: 600, committed: 0, total_limit: 1_000 });
  });

  it('answers a repeat with the first answer and refuses the same id with other parameters', async () => {
    const tenant = await tenantWithLimit(1_000);
    const requestId = uniqueId('r');
    const first = await budget.reserve({ requestId, tenantId: tenant, amount: 100 });
    const repeat = await budget.reserve({ requestId, tenantId: tenant, amount: 100 });
    assert.equal(repeat.replayed, true);
    assert.equal(repeat.expiresAt, first.expiresAt);
    await assert.rejects(budget.reserve({ requestId, tenantId: tenant, amount: 101 }), IdempotencyConflictError);
    assert.equal((await counters(tenant)).reserved, 100);
  });

  it('still charges once when Redis forgot everything: Postgres is the final guard', async () => {
    const tenant = await tenantWithLimit(1_000);
    const requestId = uniqueId('r');
    await budget.reserve({ requestId, tenantId: tenant, amount: 100 });
    await redis.del(`golden:budget:idem:reserve:${requestId}`);
    const again = await budget.reserve({ requestId, tenantId: tenant, amount: 100 });
    assert.equal(again.replayed, true);
    await redis.del(`golden:budget:idem:reserve:${requestId}`);
    await assert.rejects(budget.reserve({ requestId, tenantId: tenant, amount: 50 }), IdempotencyConflictError);
    assert.equal((await counters(tenant)).reserved, 100);
  });

  it('collapses a storm of concurrent duplicates into one charge', async () => {
    const tenant = await tenantWithLimit(10_000);
    const requestId = uniqueId('r');
    const answers = await Promise.all(Array.from({ length: 20 }, () => budget.reserve({ requestId, tenantId: tenant, amount: 700 })));
    assert.ok(answers.every((a) => a.granted));
    assert.equal(answers.filter((a) => !a.replayed).length, 1);
    assert.equal((await counters(tenant)).reserved, 700);
  });

  it('charges each attempt once, renews the hold between attempts, and releases the rest', async () => {
    const tenant = await tenantWithLimit(1_000);
    const requestId = uniqueId('r');
    await budget.reserve({ requestId, tenantId: tenant, amount: 300 });
    assert.equal((await budget.rearm(requestId)).armed, true);
    await budget.commit({ requestId, attempt: 1, tokens: 120 });
    const repeat = await budget.commit({ requestId, attempt: 1, tokens: 120 });
    assert.equal(repeat.replayed, true);
    await assert.rejects(budget.commit({ requestId, attempt: 1, tokens: 121 }), IdempotencyConflictError);
    assert.deepEqual(await counters(tenant), { reserved: 180, committed: 120, total_limit: 1_000 });

    // Attempt 2 holds the full 300 again: its usage is covered even though attempt 1 used part of the hold.
    assert.equal((await budget.rearm(requestId)).armed, true);
    assert.deepEqual(await counters(tenant), { reserved: 300, committed: 120, total_limit: 1_000 });
    await budget.commit({ requestId, attempt: 2, tokens: 300 });
    const released = await budget.release(requestId);
    assert.deepEqual([released.released, released.state], [0, 'committed']);
    assert.deepEqual(await counters(tenant), { reserved: 0, committed: 420, total_limit: 1_000 });
    assert.deepEqual(await budget.release(requestId), { requestId, released: 0, state: 'committed' });
  });

  it('refuses to renew a hold the tenant can no longer cover', async () => {
    const tenant = await tenantWithLimit(500);
    const requestId = uniqueId('r');
    await budget.reserve({ requestId, tenantId: tenant, amount: 400 });
    await budget.commit({ requestId, attempt: 1, tokens: 400 });
    const rearm = await budget.rearm(requestId);
    assert.deepEqual([rearm.armed, rearm.remaining], [false, 100]);
    await assert.rejects(budget.rearm(uniqueId('missing')), ReservationNotFoundError);
  });

  it('sweeps expired holds and charges a late commit only if the limit still allows it', async () => {
    const shortLived = new BudgetController({ db, redis, config: { ...config, BUDGET_RESERVATION_TTL_SECONDS: 1 } });
    const tenant = await tenantWithLimit(1_000);
    const late = uniqueId('late');
    await shortLived.reserve({ requestId: late, tenantId: tenant, amount: 400 });
    await sleep(1_200);
    assert.ok((await shortLived.expireStale()) >= 1);
    assert.equal((await counters(tenant)).reserved, 0);
    const commit = await shortLived.commit({ requestId: late, attempt: 1, tokens: 350 });
    assert.equal(commit.outcome, 'committed');

    // Another tenant: after its hold lapsed, the budget went to other calls, so the late usage cannot be charged.
    const full = await tenantWithLimit(1_000);
    const tooLate = uniqueId('late');
    await shortLived.reserve({ requestId: tooLate, tenantId: full, amount: 300 });
    await sleep(1_200);
    await shortLived.expireStale();
    assert.equal((await shortLived.reserve({ requestId: uniqueId('fill'), tenantId: full, amount: 800 })).granted, true);
    const over = await shortLived.commit({ requestId: tooLate, attempt: 1, tokens: 300 });
    assert.equal(over.outcome, 'over_limit', 'nothing is charged beyond the limit');
    assert.deepEqual(await counters(full), { reserved: 800, committed: 0, total_limit: 1_000 });

    const c = await counters(tenant);
    assert.ok(c.reserved + c.committed <= c.total_limit);
    const { rows } = await db.query(`SELECT * FROM budget_inconsistencies WHERE recorded <> expected AND tenant_id = $1`, [tenant]);
    assert.deepEqual(rows, []);
  });

  it('records who changed a limit, refuses a limit below usage, and reconciles cleanly', async () => {
    const tenant = await tenantWithLimit(1_000);
    await budget.reserve({ requestId: uniqueId('r'), tenantId: tenant, amount: 800 });
    await budget.setLimit(tenant, { totalLimit: 5_000, period: 'daily' }, 'ops-alice');
    const { rows } = await db.query('SELECT old_limit::int, new_limit::int, new_period, changed_by FROM budget_limit_changes WHERE tenant_id = $1 ORDER BY id', [tenant]);
    assert.deepEqual(rows.at(-1), { old_limit: 1_000, new_limit: 5_000, new_period: 'daily', changed_by: 'ops-alice' });
    await assert.rejects(budget.setLimit(tenant, { totalLimit: 100 }, 'ops-alice'), /budget_within_limit/);
    const status = await budget.status(tenant);
    assert.deepEqual([status?.totalLimit, status?.reserved, status?.remaining, status?.period], [5_000, 800, 4_200, 'daily']);
    const reconciliation = await budget.reconcile();
    assert.deepEqual(reconciliation.violations.filter((v) => v.tenantId === tenant), []);
  });
});
