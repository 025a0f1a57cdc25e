import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { BudgetStatus } from '../../domain/budget.js';
import type { RoleName } from '../../domain/roles.js';
import { startBudgetCacheInvalidator } from '../../lib/budget/cache-invalidator.js';
import { tenantCacheKey } from '../../lib/budget/idempotency.js';
import { createRedis, type Redis } from '../../lib/redis.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { golden as runGolden } from '../support/cli.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig();

let api: TestApi;
let apiUrl: string;
let redis: Redis;

interface Reservation {
  requestId: string;
  state: string;
  amount: number;
}

const newTenant = () => uniqueId('bud').toLowerCase();

async function call(method: 'GET' | 'PUT', url: string, token: string, payload?: object) {
  return api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

async function tokenFor(role: RoleName, tenant: string, sub?: string) {
  return api.token(role, tenant, sub);
}

async function setLimit(tenant: string, totalLimit: number, sub = 'budget-admin') {
  const res = await call('PUT', `/budgets/${tenant}/limit`, await tokenFor('admin', tenant, sub), { totalLimit });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<BudgetStatus>();
}

async function limitChanges(tenant: string) {
  const { rows } = await api.db.query<{ old_limit: string | null; new_limit: string; changed_by: string }>(
    'SELECT old_limit, new_limit, changed_by FROM budget_limit_changes WHERE tenant_id = $1 ORDER BY id',
    [tenant],
  );
  return rows.map((r) => ({ old: r.old_limit === null ? null : Number(r.old_limit), new: Number(r.new_limit), by: r.changed_by }));
}

function golden(args: string[], env: Record<string, string> = {}) {
  return runGolden(args, { API_URL: apiUrl, GOLDEN_TOKEN: '', ...env });
}

describe('budget API and `golden budget`', () => {
  before(async () => {
    await requireServices(config, ['postgres', 'redis', 'temporal']);
    api = await createTestApi(config);
    apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    redis = createRedis(config);
  });
  after(async () => {
    redis?.disconnect();
    await api?.close();
  });

  it('lets an admin set a limit, shows it, and records who changed it', async () => {
    const tenant = newTenant();
    const admin = await tokenFor('admin', tenant, 'dora');
    const missing = await call('GET', `/budgets/${tenant}`, admin);
    assert.equal(missing.statusCode, 404, 'no budget row yet');
    assert.equal(missing.json().detail, `no budget for tenant ${tenant}`);

    const set = await call('PUT', `/budgets/${tenant}/limit`, admin, { totalLimit: 750_000, period: 'daily' });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json<BudgetStatus>().totalLimit, 750_000);

    const shown = await call('GET', `/budgets/${tenant}`, await tokenFor('observer', tenant));
    assert.equal(shown.statusCode, 200, shown.body);
    assert.deepEqual(
      (({ tenantId, totalLimit, period, reserved, committed, remaining }) => ({ tenantId, totalLimit, period, reserved, committed, remaining }))(shown.json<BudgetStatus>()),
      { tenantId: tenant, totalLimit: 750_000, period: 'daily', reserved: 0, committed: 0, remaining: 750_000 },
    );

    const raised = await call('PUT', `/budgets/${tenant}/limit`, admin, { totalLimit: 800_000 });
    assert.equal(raised.statusCode, 200, raised.body);
    assert.equal(raised.json<BudgetStatus>().period, 'daily', 'the period stays when not given');
    assert.equal((await call('GET', `/budgets/${tenant}`, admin)).json<BudgetStatus>().totalLimit, 800_000, 'the cached figures were dropped');

    assert.deepEqual(await limitChanges(tenant), [
      { old: null, new: 750_000, by: 'dora' },
      { old: 750_000, new: 800_000, by: 'dora' },
    ]);
    const audit = await api.db.query(
      `SELECT actor, role, resource, outcome, detail FROM audit_log WHERE tenant_id = $1 AND action = 'budget:manage' ORDER BY id`,
      [tenant],
    );
    assert.equal(audit.rows.length, 2);
    assert.deepEqual(
      audit.rows.map((r) => [r.actor, r.role, r.resource, r.outcome, r.detail.oldLimit, r.detail.newLimit]),
      [
        ['dora', 'admin', `budget/${tenant}`, 'allowed', null, 750_000],
        ['dora', 'admin', `budget/${tenant}`, 'allowed', 750_000, 800_000],
      ],
    );

    const openapi = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(openapi.paths['/budgets/{tenant}'].get);
    assert.ok(openapi.paths['/budgets/{tenant}/limit'].put);
    assert.ok(openapi.paths['/budgets/{tenant}/reservations'].get);
    for (const id of ['BudgetStatus', 'BudgetLimitUpdate', 'BudgetReservationList']) assert.ok(openapi.components.schemas[id], id);
  });

  it('refuses set-limit to observers and developers (403) and audits each denial', async () => {
    const tenant = newTenant();
    await setLimit(tenant, 500_000);
    for (const role of ['observer', 'developer', 'operator'] as const) {
      const res = await call('PUT', `/budgets/${tenant}/limit`, await tokenFor(role, tenant), { totalLimit: 9_000_000 });
      assert.equal(res.statusCode, 403, role);
      assert.match(res.json().detail, new RegExp(`role ${role} lacks permission budget:manage`));
    }
    const denied = await api.db.query(
      `SELECT role, resource FROM audit_log WHERE tenant_id = $1 AND action = 'budget:manage' AND outcome = 'denied' ORDER BY id`,
      [tenant],
    );
    assert.deepEqual(
      denied.rows.map((r) => [r.role, r.resource]),
      ['observer', 'developer', 'operator'].map((role) => [role, `/budgets/${tenant}/limit`]),
    );
    assert.equal((await call('GET', `/budgets/${tenant}`, await tokenFor('developer', tenant))).json<BudgetStatus>().totalLimit, 500_000);
  });

  it("answers another tenant's budget exactly like a missing one (404)", async () => {
    const tenant = newTenant();
    await setLimit(tenant, 500_000);
    const intruderTenant = newTenant();
    const intruder = await tokenFor('admin', intruderTenant, 'mallory');
    const nobody = newTenant();

    for (const [method, path, payload] of [
      ['GET', '', undefined],
      ['PUT', '/limit', { totalLimit: 1 }],
      ['GET', '/reservations', undefined],
    ] as const) {
      const theirs = await call(method, `/budgets/${tenant}${path}`, intruder, payload);
      assert.equal(theirs.statusCode, 404, `${method} ${path}`);
      assert.equal(theirs.json().detail, `no budget for tenant ${tenant}`);
      const absent = await call(method, `/budgets/${nobody}${path}`, intruder, payload);
      assert.equal(absent.statusCode, 404);
      assert.equal(absent.json().detail, `no budget for tenant ${nobody}`, 'same answer whether or not the budget exists');
    }
    assert.equal((await call('GET', `/budgets/${tenant}`, await tokenFor('observer', tenant))).json<BudgetStatus>().totalLimit, 500_000);
    assert.equal((await limitChanges(nobody)).length, 0, 'nothing was created for the absent tenant');
    const attempts = await api.db.query(
      `SELECT resource, outcome, detail->>'reason' AS reason FROM audit_log WHERE actor = 'mallory' AND tenant_id = $1 AND action = 'budget:manage' ORDER BY id`,
      [intruderTenant],
    );
    assert.deepEqual(attempts.rows, [
      { resource: `budget/${tenant}`, outcome: 'denied', reason: 'other_tenant' },
      { resource: `budget/${nobody}`, outcome: 'denied', reason: 'other_tenant' },
    ]);
  });

  it('refuses (409) a limit below reserved + committed, naming both figures', async () => {
    const tenant = newTenant();
    await setLimit(tenant, 100_000);
    const requestId = uniqueId('req');
    assert.equal((await api.budget.reserve({ requestId, tenantId: tenant, amount: 30_000 })).granted, true);
    assert.equal((await api.budget.commit({ requestId, attempt: 1, tokens: 10_000 })).outcome, 'committed');

    const admin = await tokenFor('admin', tenant);
    const refused = await call('PUT', `/budgets/${tenant}/limit`, admin, { totalLimit: 25_000 });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'conflict');
    assert.match(refused.json().detail, /cannot go below what is already reserved \+ committed: 20000 reserved \+ 10000 committed = 30000 tokens \(asked for 25000\)/);
    assert.equal((await call('GET', `/budgets/${tenant}`, admin)).json<BudgetStatus>().totalLimit, 100_000);
    const failed = await api.db.query(
      `SELECT detail FROM audit_log WHERE tenant_id = $1 AND action = 'budget:manage' AND outcome = 'failed'`,
      [tenant],
    );
    assert.equal(failed.rows.length, 1);
    assert.deepEqual([failed.rows[0].detail.reason, failed.rows[0].detail.newLimit], ['below_usage', 25_000]);

    const exact = await call('PUT', `/budgets/${tenant}/limit`, admin, { totalLimit: 30_000 });
    assert.equal(exact.statusCode, 200, 'exactly reserved + committed is allowed');
    assert.equal(exact.json<BudgetStatus>().remaining, 0);
    await api.budget.release(requestId);
  });

  it('drops cached figures when the runbook UPDATE runs in psql, recording the Postgres role', async () => {
    const tenant = newTenant();
    await setLimit(tenant, 1_000_000);
    const notified = new Set<string>();
    const invalidator = startBudgetCacheInvalidator(
      config,
      (t) => {
        notified.add(t);
        return api.budget.dropCachedStatus(t);
      },
      console,
    );
    const psql = new pg.Client({ connectionString: config.DATABASE_URL });
    await psql.connect();
    try {
      // The listener has no ready signal: notify a probe channel payload until it hears one.
      const probe = uniqueId('probe').toLowerCase();
      await waitFor('the cache invalidator to listen', async () => {
        await psql.query(`SELECT pg_notify('golden_budget_changed', $1)`, [probe]);
        return notified.has(probe) || undefined;
      }, 10_000, 100);

      const admin = await tokenFor('admin', tenant);
      assert.equal((await call('GET', `/budgets/${tenant}`, admin)).json<BudgetStatus>().totalLimit, 1_000_000);
      assert.ok(await redis.get(tenantCacheKey(tenant)), 'the status is now cached');

      // Verbatim from the seed runbook.
      await psql.query(`UPDATE budget_limits SET total_limit = 2000000 WHERE tenant_id = '${tenant}'`);
      const started = Date.now();
      const status = await waitFor('the status to show the new limit', async () => {
        const shown = (await call('GET', `/budgets/${tenant}`, admin)).json<BudgetStatus>();
        return shown.totalLimit === 2_000_000 ? shown : undefined;
      }, 2_000, 50);
      assert.equal(status.remaining, 2_000_000);
      assert.ok(Date.now() - started < 2_000);

      const { rows } = await psql.query<{ role: string }>('SELECT session_user AS role');
      assert.deepEqual((await limitChanges(tenant)).at(-1), { old: 1_000_000, new: 2_000_000, by: rows[0]!.role });
    } finally {
      await psql.end();
      await invalidator.stop();
    }
  });

  it('lists reservations newest first, filtered by state and limited', async () => {
    const tenant = newTenant();
    await setLimit(tenant, 1_000_000);
    const held = uniqueId('held');
    const released = uniqueId('released');
    const used = uniqueId('used');
    for (const requestId of [held, released, used]) await api.budget.reserve({ requestId, tenantId: tenant, amount: 1_000 });
    await api.budget.release(released);
    await api.budget.commit({ requestId: used, attempt: 1, tokens: 400 });
    await api.budget.release(used);

    const token = await tokenFor('observer', tenant);
    const list = async (query: string) => {
      const res = await call('GET', `/budgets/${tenant}/reservations${query}`, token);
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ reservations: Reservation[] }>().reservations.map((r) => [r.requestId, r.state]);
    };
    assert.deepEqual(await list(''), [
      [used, 'committed'],
      [released, 'released'],
      [held, 'reserved'],
    ]);
    assert.deepEqual(await list('?state=reserved'), [[held, 'reserved']]);
    assert.deepEqual(await list('?state=released'), [[released, 'released']]);
    assert.deepEqual(await list('?state=committed'), [[used, 'committed']]);
    assert.deepEqual(await list('?state=expired'), []);
    assert.deepEqual(await list('?limit=1'), [[used, 'committed']]);

    for (const [query, field] of [
      ['?state=lost', 'querystring.state'],
      ['?limit=0', 'querystring.limit'],
      ['?limit=501', 'querystring.limit'],
      ['?limit=two', 'querystring.limit'],
      ['?status=reserved', 'status'],
    ]) {
      const res = await call('GET', `/budgets/${tenant}/reservations${query}`, token);
      assert.equal(res.statusCode, 400, query);
      assert.ok(res.json().detail.includes(field), `${query} names ${field}: ${res.json().detail}`);
    }
    await api.budget.release(held);
  });

  it('names the bad field of a limit update or tenant (400)', async () => {
    const tenant = newTenant();
    const admin = await tokenFor('admin', tenant);
    for (const [payload, pattern] of [
      [{ totalLimit: -1 }, /body\.totalLimit: /],
      [{ totalLimit: 1.5 }, /body\.totalLimit: must be a whole number of tokens/],
      [{ totalLimit: '100' }, /body\.totalLimit: /],
      [{}, /body\.totalLimit: /],
      [{ totalLimit: 100, period: 'weekly' }, /body\.period: /],
      [{ totalLimit: 100, tenantId: 'other' }, /tenantId/],
    ] as const) {
      const res = await call('PUT', `/budgets/${tenant}/limit`, admin, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().code, 'invalid_request');
      assert.match(res.json().detail, pattern);
    }
    const badTenant = await call('GET', '/budgets/Not_A_Tenant', admin);
    assert.equal(badTenant.statusCode, 400);
    assert.match(badTenant.json().detail, /params\.tenant: must be 1-63 lowercase/);
    assert.equal((await limitChanges(tenant)).length, 0, 'nothing was written');
  });

  it('`golden budget` shows, sets and lists through the API, with clear errors', async () => {
    const tenant = newTenant();
    const admin = await tokenFor('admin', tenant, 'erin');

    const set = await golden(['budget', 'set-limit', '--tenant', tenant, '--limit', '1234567', '--period', 'monthly', '--token', admin]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((JSON.parse(set.stdout) as BudgetStatus).totalLimit, 1_234_567);
    assert.deepEqual((await limitChanges(tenant)).at(-1), { old: null, new: 1_234_567, by: 'erin' });

    const status = await golden(['budget', 'status'], { GOLDEN_TOKEN: await tokenFor('observer', tenant) });
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      (({ tenantId, totalLimit, period }) => ({ tenantId, totalLimit, period }))(JSON.parse(status.stdout) as BudgetStatus),
      { tenantId: tenant, totalLimit: 1_234_567, period: 'monthly' },
      'the tenant defaults to the token’s',
    );

    const requestId = uniqueId('cli-req');
    await api.budget.reserve({ requestId, tenantId: tenant, amount: 2_000 });
    const listed = await golden(['budget', 'reservations', '--tenant', tenant, '--state', 'reserved', '--limit', '5', '--token', admin]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { reservations: Reservation[] }).reservations.map((r) => [r.requestId, r.amount]),
      [[requestId, 2_000]],
    );
    const none = await golden(['budget', 'reservations', '--tenant', tenant, '--state', 'released', '--token', admin]);
    assert.deepEqual(JSON.parse(none.stdout), { reservations: [] });

    const below = await golden(['budget', 'set-limit', '--tenant', tenant, '--limit', '1000', '--token', admin]);
    assert.equal(below.code, 1);
    assert.match(below.stderr, /409: .*cannot go below what is already reserved \+ committed: 2000 reserved/);
    await api.budget.release(requestId);

    const developer = await golden(['budget', 'set-limit', '--tenant', tenant, '--limit', '5'], { GOLDEN_TOKEN: await tokenFor('developer', tenant) });
    assert.equal(developer.code, 1);
    assert.match(developer.stderr, /403: role developer lacks permission budget:manage/);

    const other = await golden(['budget', 'status', '--tenant', newTenant(), '--token', admin]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /404: no budget for tenant/);

    const misuses = [
      [['budget', 'set-limit', '--tenant', tenant, '--limit', 'lots'], /--limit must be a whole number of tokens \(0 or more\), got "lots"/],
      [['budget', 'set-limit', '--tenant', tenant, '--limit=-5'], /--limit must be a whole number of tokens/],
      [['budget', 'set-limit', '--tenant', tenant], /missing --limit/],
      [['budget', 'set-limit', '--tenant', tenant, '--limit', '5', '--period', 'weekly'], /--period must be one of daily, monthly, total, got "weekly"/],
      [['budget', 'reservations', '--tenant', tenant, '--state', 'lost'], /--state must be one of reserved, committed, released, expired/],
      [['budget', 'reservations', '--tenant', tenant, '--limit', '900'], /--limit must be at most 500/],
      [['budget', 'reservations', '--tenant', tenant, '--limit', '0'], /--limit must be a positive whole number/],
      [['budget', 'status', '--colour', 'red'], /Unknown option '--colour'/],
      [['budget', 'status'], /missing --tenant, and no API token/],
      [['budget', 'status', '--token', 'not-a-jwt'], /missing --tenant, and the token names no tenant/],
      [['budget', 'refill'], /unknown subcommand "budget refill"/],
    ] as const;
    const helps = [['budget', '--help'], ['budget', 'set-limit', '--help'], ['budget', 'reservations', '-h'], ['budget', 'status', '--help']];
    // Each `golden` start costs a second or so; these are independent, so they run side by side.
    const [refusals, answers] = await Promise.all([Promise.all(misuses.map(([args]) => golden([...args]))), Promise.all(helps.map((args) => golden(args)))]);
    misuses.forEach(([args, pattern], i) => {
      assert.equal(refusals[i]!.code, 1, args.join(' '));
      assert.match(refusals[i]!.stderr, pattern, args.join(' '));
    });
    helps.forEach((args, i) => {
      assert.equal(answers[i]!.code, 0, args.join(' '));
      assert.match(answers[i]!.stdout, /golden budget set-limit --limit <tokens>/);
    });
    assert.match((await golden(['--help'])).stdout, /\n {2}budget +Show or set a tenant's token budget/);
  });
});
