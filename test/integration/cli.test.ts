import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TaskView } from '../../domain/schemas/task.js';
import { verifyToken } from '../../lib/tokens.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { golden as runGolden, runNode } from '../support/cli.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig();
const tenant = uniqueId('cli').toLowerCase();

let api: TestApi;
let workers: TestWorkers;
let apiUrl: string;

function golden(args: string[], env: Record<string, string> = {}) {
  return runGolden(args, { API_URL: apiUrl, ...env });
}

describe('golden CLI', () => {
  before(async () => {
    await requireServices(config);
    api = await createTestApi(config);
    apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
  });
  after(async () => {
    await api?.close();
    await workers?.close();
  });

  it('mints a verifiable token and refuses unknown roles by name', async () => {
    const ok = await golden(['token', '--role', 'operator', '--tenant', tenant, '--subject', 'bob']);
    assert.equal(ok.code, 0, ok.stderr);
    const claims = await verifyToken(config, ok.stdout.trim());
    assert.deepEqual(claims, { sub: 'bob', tenant, role: 'operator' });

    const bad = await golden(['token', '--role', 'wizard', '--tenant', tenant]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /role: /);
  });

  it('starts a task through the API, waits for it and shows it', async () => {
    const token = await api.token('developer', tenant, 'carol');
    const id = uniqueId('cli-task');
    const started = await golden(['task', 'start', '--title', 'FizzBuzz', '--description', 'via cli', '--language', 'python', '--id', id, '--wait', '--timeout', '90'], { GOLDEN_TOKEN: token });
    assert.equal(started.code, 0, started.stderr);
    const task = JSON.parse(started.stdout) as TaskView;
    assert.equal(task.status, 'completed');
    assert.equal(task.requestedBy, 'carol');

    const shown = await golden(['task', 'show', id, '--token', token]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as TaskView).id, id);

    const audit = await api.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = 'carol' AND tenant_id = $1 AND action = 'task:create'`, [tenant]);
    assert.equal(audit.rows[0].n, 1, 'the CLI acts through the API, so its action is audited');
  });

  it('gives clear errors for a missing token, bad fields, bad options and unknown commands', async () => {
    const noToken = await golden(['task', 'start', '--title', 't', '--description', 'd', '--language', 'python'], { GOLDEN_TOKEN: '' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no API token/);

    const token = await api.token('developer', tenant);
    const badField = await golden(['task', 'start', '--title', 't', '--description', 'd', '--language', 'cobol', '--token', token]);
    assert.equal(badField.code, 1);
    assert.match(badField.stderr, /400: body\.language/);

    const badOption = await golden(['task', 'start', '--colour', 'red']);
    assert.equal(badOption.code, 2, 'usage mistakes exit 2');
    assert.match(badOption.stderr, /Unknown option '--colour'/);

    const unknown = await golden(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);

    const help = await golden(['--help']);
    assert.match(help.stdout, /stack .*\n.*token .*\n.*task /s);
  });

  it('refuses to start a process with bad environment variables, naming each one', async () => {
    for (const entry of ['api/server.js', 'workers/orchestrator.js']) {
      const result = await runNode(entry, [], {
        PATH: process.env.PATH,
        GOLDEN_ENV_FILE: '/dev/null',
        DATABASE_URL: 'mysql://x',
        JWT_SECRET: 'short',
        API_PORT: 'eighty',
      });
      assert.equal(result.code, 2, entry);
      for (const variable of ['TEMPORAL_ADDRESS: is required', 'DATABASE_URL: must be a postgres:// URL', 'REDIS_URL: is required', 'JWT_SECRET: must be at least 32']) {
        assert.ok(result.stderr.includes(variable), `${entry} names ${variable}; got: ${result.stderr}`);
      }
    }
  });
});
