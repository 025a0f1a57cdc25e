import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEPENDENCY_BREAKERS, type BreakerListRow } from '../../domain/circuit-breaker.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { golden } from '../support/cli.js';
import { spawnEntry, waitFor, type Spawned } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig();
const tenant = uniqueId('brk').toLowerCase();
const workerEnv = { TEMPORAL_TASK_QUEUE_PREFIX: config.TEMPORAL_TASK_QUEUE_PREFIX, WORKER_METRICS_PORT: '0', LOG_LEVEL: 'info' };

interface ListBody {
  processes: Array<{ process: string; service: string; reportedAt: number }>;
  breakers: BreakerListRow[];
}

let api: TestApi;
const workers: Spawned[] = [];

async function list(token: string): Promise<ListBody> {
  const res = await api.app.inject({ method: 'GET', url: '/breakers', headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<ListBody>();
}

/** The pid of each worker process this test started, as the processes name themselves in the list. */
const pids = () => workers.map((w) => w.child.pid!);
const ours = (body: ListBody) => body.processes.filter((p) => pids().some((pid) => p.process.includes(`:${pid}:`)));

describe('circuit breaker control plane across worker processes', { timeout: 120_000 }, () => {
  before(async () => {
    await requireServices(config, ['postgres', 'redis', 'temporal']);
    api = await createTestApi(config);
    // Two real worker processes of one deployment (this file's task-queue prefix).
    for (let i = 0; i < 2; i++) workers.push(spawnEntry('workers/peer-hub.js', workerEnv));
    await Promise.all(workers.map((w) => waitFor('a worker to start', async () => (w.output().includes('workers started') ? true : undefined), 60_000)));
  });

  after(async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await api?.close();
  });

  it('lists both processes and each one\'s dependency breakers', async () => {
    const token = await api.token('operator', tenant);
    const body = await waitFor('both workers in the list', async () => {
      const b = await list(token);
      return ours(b).length === 2 ? b : undefined;
    });
    for (const p of ours(body)) {
      assert.equal(p.service, 'worker-peer-hub');
      const names = body.breakers.filter((b) => b.process === p.process).map((b) => b.name);
      for (const dependency of Object.values(DEPENDENCY_BREAKERS)) assert.ok(names.includes(dependency), `${p.process} reports ${dependency}: ${names.join(', ')}`);
      for (const b of body.breakers.filter((r) => r.process === p.process)) {
        assert.equal(b.state, 'CLOSED');
        assert.equal(b.stuck, false);
      }
    }
  });

  it('a reset over the API reaches both processes, and is audited', async () => {
    const token = await api.token('operator', tenant, 'breaker-operator');
    const res = await api.app.inject({ method: 'POST', url: `/breakers/${DEPENDENCY_BREAKERS.postgres}/reset`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { name: DEPENDENCY_BREAKERS.postgres, processes: 2 });
    for (const w of workers) {
      await waitFor('the reset in the worker log', async () => (/circuit breaker reset manually/.test(w.output()) && w.output().includes('breaker-operator') ? true : undefined), 10_000);
    }
    const { rows } = await api.db.query<{ actor: string; detail: { processes: number } }>(
      "SELECT actor, detail FROM audit_log WHERE tenant_id = $1 AND action = 'breaker:reset' AND resource = $2",
      [tenant, `breaker/${DEPENDENCY_BREAKERS.postgres}`],
    );
    assert.deepEqual(rows, [{ actor: 'breaker-operator', detail: { processes: 2 } }]);
  });

  it('refuses names that are no dependency, and callers without breaker:reset', async () => {
    const operator = await api.token('operator', tenant);
    const bad = await api.app.inject({ method: 'POST', url: '/breakers/mysql/reset', headers: { authorization: `Bearer ${operator}` } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /postgres, redis, docker or llm/);
    const observer = await api.token('observer', tenant);
    const denied = await api.app.inject({ method: 'POST', url: '/breakers/redis/reset', headers: { authorization: `Bearer ${observer}` } });
    assert.equal(denied.statusCode, 403, denied.body);
  });

  it('golden breaker list and reset go through the same API', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const token = await api.token('operator', tenant);
    const env = { API_URL: address, GOLDEN_TOKEN: token };
    const listed = await golden(['breaker', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    for (const pid of pids()) assert.match(listed.stdout, new RegExp(`:${pid}:worker-peer-hub`));
    assert.match(listed.stdout, /^NAME\s+PROCESS\s+STATE/m);
    const reset = await golden(['breaker', 'reset', DEPENDENCY_BREAKERS.redis], env);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(JSON.parse(reset.stdout).processes, 2);
    const usage = await golden(['breaker', 'reset'], env);
    assert.equal(usage.code, 2, usage.stderr);
  });
});
