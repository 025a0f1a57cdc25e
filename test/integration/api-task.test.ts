import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TaskView } from '../../domain/schemas/task.js';
import { innermostMessage } from '../../domain/error-messages.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { getTaskRow } from '../../lib/task-store.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig();
const tenant = uniqueId('api').toLowerCase();
const body = { title: 'FizzBuzz', description: 'Return Fizz, Buzz or FizzBuzz for n', language: 'python' };

let api: TestApi;
let workers: TestWorkers;

async function post(token: string | undefined, payload: unknown) {
  return api.app.inject({
    method: 'POST',
    url: '/tasks',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    payload: payload as object,
  });
}

describe('POST /tasks → TaskWorkflow → Postgres', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres']);
    api = await createTestApi(config);
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
  });
  after(async () => {
    await api?.close();
    await workers?.close();
  });

  it('runs a task end to end and stores exactly one solution row', async () => {
    const token = await api.token('developer', tenant, 'alice');
    const created = await post(token, body);
    assert.equal(created.statusCode, 202, created.body);
    const task = created.json<TaskView>();
    assert.equal(task.tenantId, tenant);
    assert.equal(task.requestedBy, 'alice');
    assert.equal(task.workflowId, `task-${task.id}`);
    assert.equal(created.headers.location, `/tasks/${task.id}`);

    const result = await api.temporal.workflow.getHandle(task.workflowId).result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.solution.files, ['fizzbuzz.py']);
    assert.match(result.solution.summary, /scripted LLM stand-in/);

    const shown = await api.app.inject({ method: 'GET', url: `/tasks/${task.id}`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(shown.statusCode, 200);
    const view = shown.json<TaskView>();
    assert.equal(view.status, 'completed');
    assert.deepEqual(view.result, result);

    const { rows } = await api.db.query('SELECT id, tenant_id, step, files FROM task_solutions WHERE task_id = $1', [task.id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].id, result.solution.solutionId);
    assert.equal(rows[0].tenant_id, tenant);
    assert.match(rows[0].files[0].content, /def fizzbuzz/);

    const audit = await api.db.query(`SELECT actor, outcome FROM audit_log WHERE tenant_id = $1 AND action = 'task:create'`, [tenant]);
    assert.deepEqual(audit.rows, [{ actor: 'alice', outcome: 'allowed' }]);
  });

  it('is idempotent with a client-chosen id and refuses the same id with other parameters', async () => {
    const token = await api.token('developer', tenant);
    const id = uniqueId('idem');
    const first = await post(token, { ...body, id });
    const second = await post(token, { ...body, id });
    assert.equal(first.statusCode, 202);
    assert.equal(second.statusCode, 200);
    assert.equal(second.json<TaskView>().workflowId, first.json<TaskView>().workflowId);
    const clash = await post(token, { ...body, id, title: 'Other' });
    assert.equal(clash.statusCode, 409);
    assert.match(clash.json().detail, /different parameters/);
    const { rows } = await api.db.query('SELECT count(*)::int AS n FROM tasks WHERE id = $1', [id]);
    assert.equal(rows[0].n, 1);
    await api.temporal.workflow.getHandle(`task-${id}`).result();
  });

  it('names each bad field of the body', async () => {
    const token = await api.token('developer', tenant);
    const res = await post(token, { title: '', language: 'cobol', tenantId: 'other' });
    assert.equal(res.statusCode, 400);
    const { code: error, detail: message } = res.json();
    assert.equal(error, 'invalid_request');
    for (const field of ['body.title', 'body.description', 'body.language']) assert.match(message, new RegExp(field.replace('.', '\\.')));
    assert.match(message, /tenantId/);
  });

  it('refuses a missing or forged token and a role without the permission', async () => {
    const missing = await post(undefined, body);
    assert.equal(missing.statusCode, 401);
    assert.match(missing.json().detail, /missing bearer token/);

    const forged = await post('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', body);
    assert.equal(forged.statusCode, 401);

    const observer = await post(await api.token('observer', tenant), body);
    assert.equal(observer.statusCode, 403);
    assert.match(observer.json().detail, /lacks permission task:create/);

    const denied = await api.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE outcome = 'denied' AND action = 'task:create' AND tenant_id = $1`, [tenant]);
    assert.equal(denied.rows[0].n, 1, 'the observer denial is audited with its tenant');
  });

  it("hides another tenant's task as not found", async () => {
    const mine = await post(await api.token('developer', tenant), { ...body, id: uniqueId('mine') });
    const other = await api.app.inject({
      method: 'GET',
      url: `/tasks/${mine.json<TaskView>().id}`,
      headers: { authorization: `Bearer ${await api.token('admin', 'someone-else')}` },
    });
    assert.equal(other.statusCode, 404);
    await api.temporal.workflow.getHandle(mine.json<TaskView>().workflowId).result();
  });

  it("lists the tenant's own tasks, newest first, filtered by status; another tenant's never appear", async () => {
    const token = await api.token('observer', tenant);
    const list = async (query: string, as = token) =>
      api.app.inject({ method: 'GET', url: `/tasks${query}`, headers: { authorization: `Bearer ${as}` } });
    const all = await list('?limit=200');
    assert.equal(all.statusCode, 200);
    const tasks = all.json<{ tasks: TaskView[] }>().tasks;
    assert.ok(tasks.length > 0);
    assert.ok(tasks.every((t) => t.tenantId === tenant));
    const created = tasks.map((t) => t.createdAt);
    assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
    const completed = (await list('?status=completed&limit=200')).json<{ tasks: TaskView[] }>().tasks;
    assert.ok(completed.length > 0 && completed.every((t) => t.status === 'completed'));
    assert.deepEqual((await list('', await api.token('admin', uniqueId('empty-tenant')))).json(), { tasks: [] });
    assert.equal((await list('?status=sleeping')).statusCode, 400);
    assert.equal((await list('?limit=0')).statusCode, 400);
  });

  it("never lets a direct start with another tenant's task id touch that task", async () => {
    const mine = (await post(await api.token('developer', tenant), { ...body, id: uniqueId('owned') })).json<TaskView>();
    await api.temporal.workflow.getHandle(mine.workflowId).result();
    const intruder = api.temporal.workflow.execute(TaskWorkflow, {
      taskQueue: taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX),
      workflowId: mine.workflowId,
      args: [{ ...body, tenantId: 'intruder', requestedBy: 'mallory' }],
    });
    await assert.rejects(intruder, (err: unknown) => /already belongs to another tenant/.test(innermostMessage(err)));
    const row = await getTaskRow(api.db, mine.id);
    assert.equal(row?.tenant_id, tenant);
    assert.equal(row?.status, 'completed');
    assert.equal(row?.error, null);
  });

  it('serves metrics, health and an OpenAPI document', async () => {
    assert.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rbac_permission_denied_total/);
    assert.match(metrics.body, /http_requests_total/);
    const openapi = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(openapi.paths['/tasks'].post);
    assert.ok(openapi.components.schemas.CreateTaskBody);
  });
});
