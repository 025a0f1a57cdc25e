import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANONYMOUS_REQUESTS_PER_MINUTE, ROLES, USER_ROLES, type UserRole } from '../../domain/roles.js';
import { Partition } from '../jepsen/proxy.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

/**
 * Per-subject limits from domain/roles.ts, counted in Redis, under real
 * concurrency. Redis is reached through a proxy so one test can cut it.
 */
const CONCURRENT = 200;
const tenant = uniqueId('rl').toLowerCase();
let api: TestApi;
let partition: Partition;

async function burst(headers: Record<string, string>, remoteAddress = '127.0.0.1') {
  const url = `/tasks/${uniqueId('none')}`;
  return Promise.all(Array.from({ length: CONCURRENT }, () => api.app.inject({ method: 'GET', url, headers, remoteAddress })));
}

const counts = (responses: Array<{ statusCode: number }>) => ({
  allowed: responses.filter((r) => r.statusCode !== 429).length,
  limited: responses.filter((r) => r.statusCode === 429).length,
});

async function metricValue(labels: RegExp): Promise<number> {
  const body = (await api.app.inject({ method: 'GET', url: '/metrics' })).body;
  return body
    .split('\n')
    .filter((line) => line.startsWith('api_rate_limit_decisions_total{') && labels.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function waitForRedis(state: 'ready' | 'down') {
  for (let i = 0; i < 200; i += 1) {
    if ((api.redis.status === 'ready') === (state === 'ready')) return;
    await sleep(50);
  }
  throw new Error(`redis client did not become ${state} (status ${api.redis.status})`);
}

describe('API rate limits', () => {
  before(async () => {
    const base = testConfig();
    await requireServices(base, ['temporal', 'postgres', 'redis']);
    const proxied = await Partition.start(base.REDIS_URL);
    partition = proxied.partition;
    api = await createTestApi({ ...base, REDIS_URL: proxied.url });
    await waitForRedis('ready');
  });
  after(async () => {
    await api?.close();
    await partition?.close();
  });

  for (const role of USER_ROLES) {
    it(`lets exactly ${ROLES[role].requestsPerMinute} of ${CONCURRENT} concurrent requests of one ${role} through`, async () => {
      const token = await api.token(role as UserRole, tenant, uniqueId(role));
      const responses = await burst({ authorization: `Bearer ${token}` });
      assert.deepEqual(counts(responses), { allowed: ROLES[role].requestsPerMinute, limited: CONCURRENT - ROLES[role].requestsPerMinute });
      for (const r of responses.filter((x) => x.statusCode !== 429)) assert.equal(r.statusCode, 404, r.body);
    });
  }

  it('holds over real HTTP connections too: 200 concurrent requests of one operator, 50 answered', async () => {
    const base = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const token = await api.token('operator', tenant, uniqueId('http'));
    const statuses = await Promise.all(
      Array.from({ length: CONCURRENT }, async () => (await fetch(`${base}/tasks/${uniqueId('none')}`, { headers: { authorization: `Bearer ${token}` } })).status),
    );
    assert.deepEqual(counts(statuses.map((statusCode) => ({ statusCode }))), { allowed: 50, limited: CONCURRENT - 50 });
  });

  it(`lets exactly ${ANONYMOUS_REQUESTS_PER_MINUTE} requests without a valid token through per address, forged tokens included`, async () => {
    const responses = await burst({ authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }, '10.77.0.1');
    assert.deepEqual(counts(responses), { allowed: ANONYMOUS_REQUESTS_PER_MINUTE, limited: CONCURRENT - ANONYMOUS_REQUESTS_PER_MINUTE });
    for (const r of responses.filter((x) => x.statusCode !== 429)) assert.equal(r.statusCode, 401);
    const other = await api.app.inject({ method: 'GET', url: '/tasks/x', remoteAddress: '10.77.0.2' });
    assert.equal(other.statusCode, 401, 'another address has its own count');
  });

  it('sends RateLimit headers, and a 429 with Retry-After and a clear body', async () => {
    const token = await api.token('observer', tenant, uniqueId('headers'));
    const headers = { authorization: `Bearer ${token}` };
    const first = await api.app.inject({ method: 'GET', url: '/tasks/x', headers });
    assert.equal(first.headers['ratelimit-limit'], '20');
    assert.equal(first.headers['ratelimit-remaining'], '19');
    assert.equal(first.headers['ratelimit-policy'], '20;w=60');
    assert.ok(Number(first.headers['ratelimit-reset']) >= 1 && Number(first.headers['ratelimit-reset']) <= 60);
    await Promise.all(Array.from({ length: 19 }, () => api.app.inject({ method: 'GET', url: '/tasks/x', headers })));
    const refused = await api.app.inject({ method: 'GET', url: '/tasks/x', headers });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = refused.json<Record<string, unknown>>();
    assert.equal(body.status, 429);
    assert.equal(body.code, 'rate_limited');
    assert.match(String(body.detail), /role observer may make 20 requests per minute; retry in \d+ s/);
    const members = await api.redis.zcard(`${api.rateLimitKeyPrefix}u:${tenant}:${'observer'}`);
    assert.equal(members, 0, 'keys are per subject, not per role');
  });

  it('gives each subject of a tenant its own count', async () => {
    const [a, b] = await Promise.all([api.token('observer', tenant, uniqueId('a')), api.token('observer', tenant, uniqueId('b'))]);
    const both = await Promise.all([burst({ authorization: `Bearer ${a}` }), burst({ authorization: `Bearer ${b}` })]);
    for (const responses of both) assert.equal(counts(responses).allowed, 20);
  });

  it('never limits health, readiness, metrics or the API document', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      const responses = await Promise.all(Array.from({ length: 60 }, () => api.app.inject({ method: 'GET', url, remoteAddress: '10.77.1.1' })));
      assert.ok(responses.every((r) => r.statusCode === 200), url);
      assert.equal(responses[0]!.headers['ratelimit-limit'], undefined, url);
    }
  });

  it('scales every limit by API_RATE_LIMIT_SCALE (benchmarks and fuzzing)', async () => {
    const scaled = await createTestApi(testConfig({ API_RATE_LIMIT_SCALE: '3' }));
    try {
      const token = await scaled.token('developer', tenant, uniqueId('scaled'));
      const responses = await Promise.all(
        Array.from({ length: CONCURRENT }, () => scaled.app.inject({ method: 'GET', url: '/tasks/x', headers: { authorization: `Bearer ${token}` } })),
      );
      assert.deepEqual(counts(responses), { allowed: 90, limited: CONCURRENT - 90 });
      assert.equal(responses.find((r) => r.statusCode === 429)?.headers['ratelimit-limit'], '90');
    } finally {
      await scaled.close();
    }
  });

  it('counts per forwarded address only behind a trusted proxy', async () => {
    const proxied = await createTestApi(testConfig({ API_TRUST_PROXY: '10.78.0.0/16' }));
    try {
      const via = (remoteAddress: string, forwarded: string) =>
        proxied.app.inject({ method: 'GET', url: '/tasks/x', remoteAddress, headers: { 'x-forwarded-for': forwarded } });
      const clients = await Promise.all(Array.from({ length: 12 }, (_, i) => via('10.78.0.1', `203.0.113.${i}`)));
      assert.ok(clients.every((r) => r.statusCode === 401), 'twelve clients behind the proxy each have their own count');
      const spoofed = await Promise.all(Array.from({ length: 12 }, (_, i) => via('10.79.0.1', `198.51.100.${i}`)));
      assert.equal(counts(spoofed).allowed, ANONYMOUS_REQUESTS_PER_MINUTE, 'X-Forwarded-For from an untrusted peer is ignored');
      const { rows } = await proxied.db.query(`SELECT DISTINCT source_address FROM audit_log WHERE source_address LIKE '203.0.113.%'`);
      assert.ok(rows.length >= 12, 'the audit trail records the client, not the proxy');
    } finally {
      await proxied.close();
    }
  });

  it('counts in memory while Redis is unreachable, with the same limits, and goes back to Redis when it returns', async () => {
    const before = await metricValue(/store="local"/);
    partition.cut();
    await waitForRedis('down');
    const duringOutage = await burst({ authorization: `Bearer ${await api.token('developer', tenant, uniqueId('outage'))}` });
    assert.deepEqual(counts(duringOutage), { allowed: 30, limited: CONCURRENT - 30 });
    assert.equal((await metricValue(/store="local"/)) - before, CONCURRENT, 'every decision during the outage was local');

    partition.heal();
    await waitForRedis('ready');
    const redisBefore = await metricValue(/store="redis"/);
    const sub = uniqueId('healed');
    const healed = await burst({ authorization: `Bearer ${await api.token('developer', tenant, sub)}` });
    assert.deepEqual(counts(healed), { allowed: 30, limited: CONCURRENT - 30 });
    assert.equal((await metricValue(/store="redis"/)) - redisBefore, CONCURRENT);
    assert.equal(await api.redis.zcard(`${api.rateLimitKeyPrefix}u:${tenant}:${sub}`), 30);
    const ttl = await api.redis.pttl(`${api.rateLimitKeyPrefix}u:${tenant}:${sub}`);
    assert.ok(ttl > 0 && ttl <= 60_000, `the window's key expires with the window (${ttl} ms)`);
  });
});
