import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promptWorkflowId } from '../../domain/governance.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { golden as runGolden } from '../support/cli.js';
import { resetRole } from '../support/governance.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig({ PROMPT_APPROVAL_TTL_SECONDS: '120', PROMPT_RECHECK_SECONDS: '1' });
const tenant = 'governance';

let api: TestApi;
let apiUrl: string;
let workers: TestWorkers;
let adminToken: string;
let developerToken: string;
let operatorToken: string;

const golden = (args: string[], token: string) => runGolden(args, { API_URL: apiUrl, GOLDEN_TOKEN: token });
// Polled in the database, not through the API: polling must not spend the roles' rate limits.
const status = async (id: string) => (await workers.db.query<{ status: string }>('SELECT status FROM prompt_updates WHERE id = $1', [id])).rows[0]?.status;

describe('prompt governance through the API and `golden prompt`', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
    apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    workers = await createTestWorkers(config, ['supervisor']);
    adminToken = await api.token('admin', tenant, 'ada');
    developerToken = await api.token('developer', tenant, 'dev');
    operatorToken = await api.token('operator', tenant, 'olga');
  });
  after(async () => {
    for (const role of ['security', 'reviewer'] as const) await resetRole(workers.db, role);
    await workers?.close();
    await api?.close();
  });
  beforeEach(async () => {
    for (const role of ['security', 'reviewer'] as const) await resetRole(workers.db, role);
  });

  it('an operator proposes, cannot approve (a developer cannot even propose); an admin approves; the role uses the new version; rollback restores', async () => {
    const id = uniqueId('pu');
    const byDeveloper = await golden(['prompt', 'propose', '--role', 'security', '--body', 'x', '--reason', 'y'], developerToken);
    assert.notEqual(byDeveloper.code, 0, 'prompts are shared by every tenant: developers may not change them');
    assert.match(byDeveloper.stderr, /403|prompt:propose/);
    const proposed = await golden(['prompt', 'propose', '--role', 'security', '--body', 'Also check licences.', '--reason', 'missed a GPL file', '--id', id], operatorToken);
    assert.equal(proposed.code, 0, proposed.stderr);
    assert.deepEqual(JSON.parse(proposed.stdout), { updateId: id, workflowId: promptWorkflowId(id), created: true });
    await waitFor('the update to wait for approval', async () => ((await status(id)) === 'pending_approval' ? true : undefined), 15_000, 200);

    const listed = await golden(['prompt', 'list', '--status', 'pending_approval', '--role', 'security'], developerToken);
    assert.equal(listed.code, 0, listed.stderr);
    const pending = JSON.parse(listed.stdout);
    assert.ok(pending.updates.some((u: { id: string }) => u.id === id), listed.stdout.slice(0, 2000));

    const refused = await golden(['prompt', 'approve', id], operatorToken);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /403|prompt:approve/);

    const before = JSON.parse((await golden(['prompt', 'current', '--role', 'security'], adminToken)).stdout);
    const approved = await golden(['prompt', 'approve', id, '--comment', 'Approved after review'], adminToken);
    assert.equal(approved.code, 0, approved.stderr);
    assert.deepEqual(JSON.parse(approved.stdout), { updateId: id, status: 'applied' });
    const now = JSON.parse((await golden(['prompt', 'current', '--role', 'security'], adminToken)).stdout);
    assert.equal(now.body, 'Also check licences.');
    const shown = JSON.parse((await golden(['prompt', 'show', id], adminToken)).stdout);
    assert.ok(now.version > before.version, 'a new version, numbered after every earlier one (rolled-back ones too)');
    assert.equal(shown.appliedVersion, now.version);
    assert.equal(shown.decidedBy, 'ada', 'the decider is the verified actor of the token');

    const again = await golden(['prompt', 'approve', id], adminToken);
    assert.notEqual(again.code, 0, 'a finished update takes no decision');
    assert.match(again.stderr, /409|no prompt update .* is waiting|refused/);

    const rolled = await golden(['prompt', 'rollback', '--role', 'security'], adminToken);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal(JSON.parse(rolled.stdout).version, before.version);
    assert.equal(await status(id), 'rolled_back');
    assert.equal(JSON.parse((await golden(['prompt', 'show', id], adminToken)).stdout).status, 'rolled_back');
  });

  it('reports governance per role and refuses bad input with the field named', async () => {
    const governance = JSON.parse((await golden(['prompt', 'governance'], developerToken)).stdout);
    const reviewer = governance.roles.find((r: { agentRole: string }) => r.agentRole === 'reviewer');
    assert.deepEqual([reviewer.maxUpdatesPerDay, reviewer.cooldownSeconds, reviewer.requiresApproval], [3, 4 * 3600, false]);

    const bad = await api.app.inject({ method: 'POST', url: '/prompts/updates', headers: { authorization: `Bearer ${adminToken}` }, payload: { agentRole: 'wizard', body: '', reason: 'x' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /agentRole/);
    const unknown = await api.app.inject({ method: 'POST', url: '/prompts/updates/pu-none/approve', headers: { authorization: `Bearer ${adminToken}` }, payload: {} });
    assert.equal(unknown.statusCode, 404, unknown.body);
    const cli = await golden(['prompt', 'propose', '--role', 'wizard', '--body', 'x', '--reason', 'y'], adminToken);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /--role must be one of developer, tester/);
  });

  it('auto-applies a safe role’s proposal', async () => {
    const id = uniqueId('pu');
    assert.equal((await golden(['prompt', 'propose', '--role', 'reviewer', '--body', 'Name the failing case.', '--reason', 'vague reviews', '--id', id], adminToken)).code, 0);
    await waitFor('the update to apply', async () => ((await status(id)) === 'applied' ? true : undefined), 15_000, 200);
  });

  it('answers 503, not a hang, when no worker takes the decision', async () => {
    // Its own queue prefix, which no worker polls: the workflow never runs.
    const idle = await createTestApi(testConfig());
    try {
      const token = await idle.token('admin', tenant, 'ada');
      const proposed = await idle.app.inject({ method: 'POST', url: '/prompts/updates', headers: { authorization: `Bearer ${token}` }, payload: { agentRole: 'security', body: 'x', reason: 'y' } });
      assert.equal(proposed.statusCode, 202, proposed.body);
      const { updateId } = proposed.json<{ updateId: string }>();
      const started = Date.now();
      const decided = await idle.app.inject({ method: 'POST', url: `/prompts/updates/${updateId}/approve`, headers: { authorization: `Bearer ${token}` }, payload: {} });
      assert.equal(decided.statusCode, 503, decided.body);
      assert.match(decided.json<{ detail: string }>().detail, /is a supervisor worker running/);
      // Once recorded but with no worker to take the decision, the update's deadline answers the same way.
      await idle.db.query(
        `INSERT INTO prompt_updates (id, agent_role, base_version, body, reason, source, proposed_by, status, expires_at)
         VALUES ($1, 'security', 1, 'x', 'y', 'operator', 'ada', 'pending_approval', now() + interval '1 hour')`,
        [updateId],
      );
      const waited = await idle.app.inject({ method: 'POST', url: `/prompts/updates/${updateId}/approve`, headers: { authorization: `Bearer ${token}` }, payload: {} });
      assert.equal(waited.statusCode, 503, waited.body);
      assert.match(waited.json<{ detail: string }>().detail, /did not take the decision within 10 s/);
      await idle.db.query(`UPDATE prompt_updates SET status = 'expired' WHERE id = $1`, [updateId]);
      assert.ok(Date.now() - started < 20_000);
      await idle.temporal.workflow.getHandle(`prompt-${updateId}`).terminate('test clean-up');
    } finally {
      await idle.close();
    }
  });
});
