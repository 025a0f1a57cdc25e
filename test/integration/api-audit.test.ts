import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

interface Page {
  entries: Array<{ seq: number; actor: string | null; action: string; outcome: string; resource: string | null; sourceAddress: string | null }>;
  next: number | null;
}

const config = testConfig();
const tenant = uniqueId('aud').toLowerCase();
const other = uniqueId('aud-other').toLowerCase();
let api: TestApi;

async function get(url: string, role: 'admin' | 'operator' | 'developer', as = tenant) {
  return api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await api.token(role, as, uniqueId(role))}` } });
}

describe('audit API', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
    // Three refusals in our tenant, one in another: observers may not create tasks.
    for (const [t, n] of [[tenant, 3], [other, 1]] as const) {
      for (let i = 0; i < n; i += 1) {
        const token = await api.token('observer', t, `olga-${i}`);
        const res = await api.app.inject({ method: 'POST', url: '/tasks', headers: { authorization: `Bearer ${token}` }, payload: {}, remoteAddress: '10.5.5.5' });
        assert.equal(res.statusCode, 403);
      }
    }
  });
  after(async () => {
    await api?.close();
  });

  it("lists only the caller's tenant's entries, newest first, with filters and pages", async () => {
    const res = await get('/audit?outcome=denied&action=task:create', 'admin');
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json<Page>();
    assert.deepEqual(page.entries.map((e) => e.actor), ['olga-2', 'olga-1', 'olga-0']);
    assert.ok(page.entries.every((e) => e.outcome === 'denied' && e.sourceAddress === '10.5.5.5' && e.resource === '/tasks'));
    assert.equal(page.next, null);

    const first = (await get('/audit?outcome=denied&limit=2', 'operator')).json<Page>();
    assert.equal(first.entries.length, 2);
    assert.equal(first.next, first.entries[1]!.seq);
    const second = (await get(`/audit?outcome=denied&limit=2&before=${first.next}`, 'operator')).json<Page>();
    assert.deepEqual(second.entries.map((e) => e.actor), ['olga-0']);

    const theirs = (await get('/audit?outcome=denied', 'admin', other)).json<Page>();
    assert.deepEqual(theirs.entries.map((e) => e.actor), ['olga-0']);
  });

  it('needs audit:read, and refuses unknown filters', async () => {
    assert.equal((await get('/audit', 'developer')).statusCode, 403);
    assert.equal((await get('/audit/verify', 'developer')).statusCode, 403);
    const bad = await get('/audit?tenant=someone-else', 'admin');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /tenant/);
  });

  it('verifies the chain', async () => {
    const res = await get('/audit/verify', 'admin');
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json<{ intact: boolean; entries: number; headSeq: number; problems: string[] }>();
    assert.deepEqual(report.problems, []);
    assert.equal(report.intact, true);
    assert.ok(report.entries >= 4 && report.headSeq >= report.entries);
  });
});
