import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { SupervisorSynthesisAnswer } from '../../domain/llm/answer-schemas.js';
import { METRICS } from '../../domain/metric-names.js';
import { ACTIVE_TASK_STATUSES, type TaskStatus } from '../../domain/task-status.js';
import { escalationWorkflowId, taskWorkflowId } from '../../domain/workflow-ids.js';
import { recordDeadLetter, resolveDeadLetter } from '../../lib/dead-letter-store.js';
import { openEscalation, updateEscalation } from '../../lib/escalation-store.js';
import { projectRoot } from '../../lib/paths.js';
import { registerPipelineGauges } from '../../lib/pipeline-gauges.js';
import { recordTaskEvent } from '../../lib/task-events.js';
import { ensureTask } from '../../lib/task-store.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { golden as runGolden } from '../support/cli.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

/**
 * The operator surface of the task pipeline against the real stack: rows are
 * written the way the workflows' activities write them, and the workflows the
 * decisions go to are started on a task queue no worker polls, so the API's
 * answer for a workflow that is running but not served (503 after the
 * deadline, or an accepted signal/cancel request) is what is checked here.
 */

// Rate limits are tested elsewhere; here they would only answer in place of the routes.
const config = testConfig({ API_RATE_LIMIT_SCALE: '100' });
const tenant = uniqueId('ops').toLowerCase();
const otherTenant = uniqueId('ops-other').toLowerCase();
const UNSERVED_QUEUE = `${uniqueId('nobody')}-queue`;

let api: TestApi;
let apiUrl: string;
let operator: string;
let observer: string;
let developer: string;
let intruder: string;

const synthesis: SupervisorSynthesisAnswer = {
  action_plan: [{ action: 'escalate_to_human', reason: 'reviewers disagree on the API shape' }],
  reasoning: 'Two reviewers approve, two reject; a person should decide.',
  confidence: 0.4,
};

const ids = {
  running: uniqueId('ops-running'),
  done: uniqueId('ops-done'),
  foreign: uniqueId('ops-foreign'),
};
const esc = {
  waiting: escalationWorkflowId(ids.running, 1),
  resolved: escalationWorkflowId(ids.done, 1),
  unserved: escalationWorkflowId(ids.running, 2),
  foreign: escalationWorkflowId(ids.foreign, 1),
};
const dl: Record<'open' | 'resolved' | 'unserved' | 'foreign', number> = { open: 0, resolved: 0, unserved: 0, foreign: 0 };

async function addTask(id: string, owner: string, status: TaskStatus) {
  await ensureTask(api.db, id, taskWorkflowId(id), { title: 'T', description: 'D', language: 'python', tenantId: owner, requestedBy: 'olive' }, status);
}

/** A workflow that exists and runs but that no worker serves: decisions to it cannot be taken. */
async function startUnserved(workflowType: string, workflowId: string) {
  await api.temporal.workflow.start(workflowType, { taskQueue: UNSERVED_QUEUE, workflowId, args: [{}] });
}

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
  api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

async function auditRows(resource: string) {
  const { rows } = await api.db.query<{ action: string; outcome: string; actor: string; reason: string | null }>(
    `SELECT action, outcome, actor, detail->>'reason' AS reason FROM audit_log WHERE resource = $1 ORDER BY id`,
    [resource],
  );
  return rows;
}

const golden = (args: string[], token: string) => runGolden(args, { API_URL: apiUrl, GOLDEN_TOKEN: token });

before(async () => {
  await requireServices(config, ['temporal', 'postgres', 'redis']);
  api = await createTestApi(config);
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await api?.close();
});

describe('escalations, dead letters and task control through the API and `golden`', () => {
  before(async () => {
    operator = await api.token('operator', tenant, 'olga');
    observer = await api.token('observer', tenant, 'otto');
    developer = await api.token('developer', tenant, 'dev');
    intruder = await api.token('admin', otherTenant, 'mallory');

    await addTask(ids.running, tenant, 'escalated');
    await addTask(ids.done, tenant, 'completed');
    await addTask(ids.foreign, otherTenant, 'running');
    await startUnserved('TaskWorkflow', taskWorkflowId(ids.running));

    for (const [seq, kind, step] of [[1, 'started', 'start'], [2, 'solution', 'develop-r1i1'], [3, 'escalation', 'escalate-1']] as const) {
      await recordTaskEvent(api.db, ids.running, tenant, { seq, kind, step, detail: { seq } });
    }
    await recordTaskEvent(api.db, ids.foreign, otherTenant, { seq: 1, kind: 'started', step: 'start', detail: {} });

    await openEscalation(api.db, { id: esc.waiting, taskId: ids.running, tenantId: tenant, seq: 1, reason: 'review_deadlock', context: { round: 2 } });
    await updateEscalation(api.db, esc.waiting, { status: 'awaiting_human', synthesis });
    await openEscalation(api.db, { id: esc.unserved, taskId: ids.running, tenantId: tenant, seq: 2, reason: 'no_quorum', context: {} });
    await updateEscalation(api.db, esc.unserved, { status: 'awaiting_human', synthesis });
    await startUnserved('EscalationWorkflow', esc.unserved);
    await openEscalation(api.db, { id: esc.resolved, taskId: ids.done, tenantId: tenant, seq: 1, reason: 'review_rejected', context: {} });
    await updateEscalation(api.db, esc.resolved, { status: 'resolved', decision: { action: 'accept', source: 'human', decidedBy: 'ada', comment: 'good enough' } });
    await openEscalation(api.db, { id: esc.foreign, taskId: ids.foreign, tenantId: otherTenant, seq: 1, reason: 'review_deadlock', context: {} });
    await updateEscalation(api.db, esc.foreign, { status: 'awaiting_human' });

    const letter = (workflowId: string, step: string, owner: string, taskId: string) =>
      recordDeadLetter(api.db, { tenantId: owner, taskId, workflowId, step, data: { step }, error: `${step} failed: LLM provider unavailable`, errorType: 'ProviderUnavailableError', attempts: 5 });
    dl.open = await letter(`task-gone-${ids.running}`, 'develop-r1i1', tenant, ids.running);
    dl.unserved = await letter(taskWorkflowId(ids.running), 'review-r1i1', tenant, ids.running);
    dl.resolved = await letter(taskWorkflowId(ids.done), 'develop-r1i1', tenant, ids.done);
    await resolveDeadLetter(api.db, dl.resolved, 'discarded', 'ada');
    dl.foreign = await letter(taskWorkflowId(ids.foreign), 'develop-r1i1', otherTenant, ids.foreign);
  });

  after(async () => {
    for (const id of [taskWorkflowId(ids.running), esc.unserved]) {
      await api?.temporal.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    }
    // Its open dead letters and escalations would otherwise count in the shared stack's backlog gauges forever.
    await api?.db.query('DELETE FROM tasks WHERE tenant_id = ANY($1)', [[tenant, otherTenant]]);
  });

  describe('escalations', () => {
    it("lists the tenant's own escalations with filters, never another tenant's", async () => {
      const all = await call('GET', '/escalations?limit=500', observer);
      assert.equal(all.statusCode, 200, all.body);
      const listed = all.json().escalations.map((e: { id: string }) => e.id);
      assert.deepEqual(new Set(listed), new Set([esc.waiting, esc.unserved, esc.resolved]));

      const waiting = await call('GET', `/escalations?status=awaiting_human&taskId=${ids.running}`, observer);
      assert.deepEqual(waiting.json().escalations.map((e: { id: string }) => e.id).sort(), [esc.waiting, esc.unserved].sort());
      const one = await call('GET', '/escalations?limit=1', observer);
      assert.equal(one.json().escalations.length, 1);

      const theirs = await call('GET', '/escalations', intruder);
      assert.deepEqual(theirs.json().escalations.map((e: { id: string }) => e.id), [esc.foreign]);
    });

    it('refuses bad filters by name', async () => {
      for (const [query, field] of [['status=pending', 'querystring.status'], ['limit=0', 'querystring.limit'], ['limit=2.5', 'querystring.limit'], ['taskId=a%20b', 'querystring.taskId'], ['colour=red', 'querystring']] as const) {
        const res = await call('GET', `/escalations?${query}`, observer);
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.ok(res.json().errors.some((e: { field: string }) => e.field.startsWith(field)), `${query}: ${res.body}`);
      }
    });

    it("shows one with its synthesis; unknown and another tenant's are 404, a malformed id 400", async () => {
      const shown = await call('GET', `/escalations/${esc.waiting}`, observer);
      assert.equal(shown.statusCode, 200, shown.body);
      assert.equal(shown.json().status, 'awaiting_human');
      assert.deepEqual(shown.json().synthesis, synthesis);
      assert.deepEqual(shown.json().context, { round: 2 });

      const resolved = (await call('GET', `/escalations/${esc.resolved}`, observer)).json();
      assert.deepEqual([resolved.status, resolved.decidedBy, resolved.decision.action], ['resolved', 'ada', 'accept']);

      assert.equal((await call('GET', `/escalations/${escalationWorkflowId(ids.running, 99)}`, observer)).statusCode, 404);
      const malformed = await call('GET', '/escalations/not-an-escalation', observer);
      assert.equal(malformed.statusCode, 400);
      assert.match(malformed.json().detail, /escalation-<task id>-<n>/);

      const reach = await call('GET', `/escalations/${esc.foreign}`, operator);
      assert.equal(reach.statusCode, 404);
      assert.equal(reach.json().detail, `no escalation ${esc.foreign}`, 'the same answer as a missing one');
      assert.deepEqual(await auditRows(`escalation/${esc.foreign}`), [{ action: 'escalation:read', outcome: 'denied', actor: 'olga', reason: 'other_tenant' }]);
    });

    it('resolve: 409 when final, 400 for a bad decision, 403 without escalation:resolve, 404 unknown', async () => {
      const final = await call('POST', `/escalations/${esc.resolved}/resolve`, operator, { action: 'abort', comment: 'stop' });
      assert.equal(final.statusCode, 409, final.body);
      assert.match(final.json().detail, /already resolved/);

      const noGuidance = await call('POST', `/escalations/${esc.waiting}/resolve`, operator, { action: 'revise', comment: 'change it' });
      assert.equal(noGuidance.statusCode, 400);
      assert.match(noGuidance.body, /guidance is required when action is revise/);
      const extra = await call('POST', `/escalations/${esc.waiting}/resolve`, operator, { action: 'accept', comment: 'ok', decidedBy: 'someone-else' });
      assert.equal(extra.statusCode, 400, 'the decider comes from the token, never from the body');
      const blank = await call('POST', `/escalations/${esc.waiting}/resolve`, operator, { action: 'accept', comment: '   ' });
      assert.equal(blank.statusCode, 400);

      assert.equal((await call('POST', `/escalations/${esc.waiting}/resolve`, observer, { action: 'accept', comment: 'ok' })).statusCode, 403);
      assert.equal((await call('POST', `/escalations/${escalationWorkflowId(ids.done, 7)}/resolve`, operator, { action: 'accept', comment: 'ok' })).statusCode, 404);
      const foreign = await call('POST', `/escalations/${esc.foreign}/resolve`, operator, { action: 'accept', comment: 'ok' });
      assert.equal(foreign.statusCode, 404);
    });

    it('resolve: 409 when its workflow is gone, 503 when no worker takes the decision; both audited as failed', async () => {
      const gone = await call('POST', `/escalations/${esc.waiting}/resolve`, operator, { action: 'accept', comment: 'ship it' });
      assert.equal(gone.statusCode, 409, gone.body);
      assert.match(gone.json().detail, /is no longer running/);

      const started = Date.now();
      const unserved = await call('POST', `/escalations/${esc.unserved}/resolve`, operator, { action: 'revise', comment: 'split it', guidance: 'one function per rule' });
      assert.equal(unserved.statusCode, 503, unserved.body);
      assert.match(unserved.json().detail, /did not take the decision within 10 s/);
      assert.ok(Date.now() - started < 20_000, 'the deadline bounds the wait');

      const audited = (await auditRows(`escalation/${esc.unserved}`)).map((r) => [r.action, r.outcome, r.actor]);
      assert.deepEqual(audited, [['escalation:resolve', 'failed', 'olga']]);
      assert.deepEqual((await auditRows(`escalation/${esc.waiting}`)).map((r) => r.outcome), ['failed']);
    });
  });

  describe('dead letters', () => {
    it("lists the tenant's own, filtered by resolved and task", async () => {
      const open = await call('GET', '/dead-letters?resolved=false&limit=500', observer);
      assert.equal(open.statusCode, 200, open.body);
      assert.deepEqual(open.json().deadLetters.map((d: { id: number }) => d.id).sort(), [dl.open, dl.unserved].sort());
      const done = await call('GET', `/dead-letters?resolved=true&taskId=${ids.done}`, observer);
      assert.deepEqual(done.json().deadLetters.map((d: { id: number; resolution: string }) => [d.id, d.resolution]), [[dl.resolved, 'discarded']]);
      const theirs = await call('GET', '/dead-letters', intruder);
      assert.deepEqual(theirs.json().deadLetters.map((d: { id: number }) => d.id), [dl.foreign]);
      const bad = await call('GET', '/dead-letters?resolved=maybe', observer);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /must be true or false/);
    });

    it("shows one in the seed's shape; a non-integer id is 400, unknown and another tenant's 404", async () => {
      const shown = await call('GET', `/dead-letters/${dl.open}`, observer);
      assert.equal(shown.statusCode, 200, shown.body);
      const body = shown.json();
      assert.equal(body.originalSubject, `task-gone-${ids.running}/develop-r1i1`);
      assert.deepEqual([body.attempts, body.resolved, body.errorType, body.taskId], [5, false, 'ProviderUnavailableError', ids.running]);

      for (const id of ['abc', '1.5', '-3', '0', '1e3', '9999999999999999']) {
        const res = await call('GET', `/dead-letters/${id}`, observer);
        assert.equal(res.statusCode, 400, `${id}: ${res.body}`);
        assert.match(res.json().detail, /must be a positive whole number/);
      }
      assert.equal((await call('GET', '/dead-letters/999999999999', observer)).statusCode, 404);
      assert.equal((await call('GET', `/dead-letters/${dl.foreign}`, operator)).statusCode, 404);
      assert.deepEqual((await auditRows(`dead-letter/${dl.foreign}`)).map((r) => [r.outcome, r.reason]), [['denied', 'other_tenant']]);
    });

    it('redrive/discard: 409 when resolved or its workflow is gone, 503 when not served, 400 for unknown fields, 403 for observers', async () => {
      const resolved = await call('POST', `/dead-letters/${dl.resolved}/redrive`, operator, {});
      assert.equal(resolved.statusCode, 409);
      assert.match(resolved.json().detail, /already resolved \(discarded\)/);
      assert.equal((await call('POST', `/dead-letters/${dl.open}/discard`, operator, { comment: 'x', by: 'someone' })).statusCode, 400);
      assert.equal((await call('POST', `/dead-letters/${dl.open}/redrive`, observer, {})).statusCode, 403);
      assert.equal((await call('POST', `/dead-letters/${dl.foreign}/discard`, operator, {})).statusCode, 404);

      const gone = await call('POST', `/dead-letters/${dl.open}/discard`, operator, { comment: 'provider is back' });
      assert.equal(gone.statusCode, 409, gone.body);
      assert.match(gone.json().detail, /is no longer running/);

      const unserved = await call('POST', `/dead-letters/${dl.unserved}/redrive`, operator, {});
      assert.equal(unserved.statusCode, 503, unserved.body);
      assert.deepEqual((await auditRows(`dead-letter/${dl.unserved}`)).map((r) => [r.action, r.outcome, r.actor]), [['dlq:redrive', 'failed', 'olga']]);
    });
  });

  describe('task control', () => {
    it("gives a task's history in order; unknown and another tenant's are 404", async () => {
      const res = await call('GET', `/tasks/${ids.running}/history`, observer);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'escalated');
      assert.deepEqual(res.json().events.map((e: { seq: number; kind: string }) => [e.seq, e.kind]), [[1, 'started'], [2, 'solution'], [3, 'escalation']]);
      assert.deepEqual((await call('GET', `/tasks/${ids.done}/history`, observer)).json().events, []);
      assert.equal((await call('GET', `/tasks/${uniqueId('none')}/history`, observer)).statusCode, 404);
      assert.equal((await call('GET', `/tasks/${ids.foreign}/history`, operator)).statusCode, 404);
    });

    it('sends guidance to a running task as the signal addGuidance (202), refuses finished tasks (409) and roles without task:guide', async () => {
      const sent = await call('POST', `/tasks/${ids.running}/guidance`, operator, { text: 'Keep the public API unchanged.' });
      assert.equal(sent.statusCode, 202, sent.body);
      assert.deepEqual(sent.json(), { taskId: ids.running, workflowId: taskWorkflowId(ids.running) });
      const history = await api.temporal.workflow.getHandle(taskWorkflowId(ids.running)).fetchHistory();
      assert.ok(history.events?.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'addGuidance'), 'the workflow got the signal');
      assert.deepEqual((await auditRows(`task/${ids.running}`)).map((r) => [r.action, r.outcome, r.actor]), [['task:guide', 'allowed', 'olga']]);

      const finished = await call('POST', `/tasks/${ids.done}/guidance`, operator, { text: 'too late' });
      assert.equal(finished.statusCode, 409);
      assert.match(finished.json().detail, /already completed/);
      assert.equal((await call('POST', `/tasks/${ids.running}/guidance`, developer, { text: 'hi' })).statusCode, 403);
      assert.equal((await call('POST', `/tasks/${ids.running}/guidance`, operator, { text: '' })).statusCode, 400);
      assert.equal((await call('POST', `/tasks/${ids.foreign}/guidance`, operator, { text: 'hi' })).statusCode, 404);
    });

    it('requests cancellation of a running task (202) and refuses a finished one (409)', async () => {
      assert.equal((await call('POST', `/tasks/${ids.done}/cancel`, operator, {})).statusCode, 409);
      assert.equal((await call('POST', `/tasks/${ids.running}/cancel`, developer, {})).statusCode, 403);
      const cancelled = await call('POST', `/tasks/${ids.running}/cancel`, operator, { reason: 'requirements changed' });
      assert.equal(cancelled.statusCode, 202, cancelled.body);
      const history = await api.temporal.workflow.getHandle(taskWorkflowId(ids.running)).fetchHistory();
      assert.ok(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes), 'cancellation was requested');
    });
  });

  it('documents every new route in the API document with its problem answers', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const expected: Array<[string, string, string[]]> = [
      ['/escalations', 'get', ['200', '400']],
      ['/escalations/{id}', 'get', ['200', '404']],
      ['/escalations/{id}/resolve', 'post', ['200', '404', '409', '503']],
      ['/dead-letters', 'get', ['200', '400']],
      ['/dead-letters/{id}', 'get', ['200', '404']],
      ['/dead-letters/{id}/redrive', 'post', ['200', '409', '503']],
      ['/dead-letters/{id}/discard', 'post', ['200', '409', '503']],
      ['/tasks/{id}/history', 'get', ['200', '404']],
      ['/tasks/{id}/guidance', 'post', ['202', '409', '503']],
      ['/tasks/{id}/cancel', 'post', ['202', '409', '503']],
    ];
    for (const [path, method, statuses] of expected) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} documented`);
      for (const status of [...statuses, '401', '403']) assert.ok(op.responses[status], `${method} ${path} ${status}`);
      assert.ok(op.responses['403'].content['application/problem+json'], `${method} ${path}: problems are problem+json`);
    }
  });

  it("runs the README's dead-letter runbook query verbatim", async () => {
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('dlq_messages'));
    assert.ok(block, 'the README documents the runbook query');
    const { rows, fields } = await api.db.query<{ resolved: boolean }>(block);
    for (const column of ['id', 'original_subject', 'data', 'error', 'attempts', 'resolved', 'created_at']) assert.ok(fields.some((f) => f.name === column), column);
    assert.ok(rows.length >= 1 && rows.length <= 10 && rows.every((r) => !r.resolved), 'open dead letters only, at most 10');
  });

  it('reads the backlog gauges from Postgres when scraped', async () => {
    const registry = new Registry();
    registerPipelineGauges(registry, api.db);
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string> = {}) =>
      metrics.find((m) => m.name === name)?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    const open = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dlq_messages WHERE tenant_id = $1 AND NOT resolved', [tenant]);
    assert.ok(value(METRICS.dlqMessageCount)! >= open.rows[0]!.n, 'every open dead letter is counted');
    assert.ok(value(METRICS.escalationsUnresolved)! >= 2);
    const byStatus = metrics.find((m) => m.name === METRICS.tasksActive)!.values.map((v) => v.labels.status).sort();
    assert.deepEqual(byStatus, [...ACTIVE_TASK_STATUSES].sort(), 'one series per active status, zeros included');
    assert.ok(value(METRICS.tasksActive, { status: 'escalated' })! >= 1);
  });

  describe('the golden CLI', () => {
    it('lists and shows escalations as a table or JSON, and resolves through the API', async () => {
      const table = await golden(['escalation', 'list', '--status', 'awaiting_human'], observer);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID\s+STATUS\s+REASON\s+TASK\s+CREATED\s+DECIDED BY/);
      assert.match(table.stdout, new RegExp(`${esc.waiting}\\s+awaiting_human\\s+review_deadlock`));

      const json = await golden(['escalation', 'list', '--task', ids.done, '--json'], observer);
      assert.deepEqual(JSON.parse(json.stdout).escalations.map((e: { id: string }) => e.id), [esc.resolved]);
      const shown = await golden(['escalation', 'show', esc.waiting, '--json'], observer);
      assert.deepEqual(JSON.parse(shown.stdout).synthesis, synthesis);
      const fields = await golden(['escalation', 'show', esc.waiting], observer);
      assert.match(fields.stdout, /status:\s+awaiting_human/);

      const final = await golden(['escalation', 'resolve', esc.resolved, '--action', 'accept', '--comment', 'ok'], operator);
      assert.equal(final.code, 1);
      assert.match(final.stderr, /answered 409: escalation .* is already resolved/);
    });

    it('lists, shows and decides dead letters', async () => {
      const table = await golden(['dlq', 'list', '--resolved', 'false'], observer);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`^${dl.unserved}\\s+open\\s+${ids.running}\\s+review-r1i1\\s+5`, 'm'));
      const shown = await golden(['dlq', 'show', String(dl.resolved), '--json'], observer);
      assert.equal(JSON.parse(shown.stdout).resolution, 'discarded');
      const resolved = await golden(['dlq', 'redrive', String(dl.resolved), '--comment', 'again'], operator);
      assert.equal(resolved.code, 1);
      assert.match(resolved.stderr, /answered 409/);
    });

    it('shows task history and sends guidance', async () => {
      const history = await golden(['task', 'history', ids.running], observer);
      assert.equal(history.code, 0, history.stderr);
      assert.match(history.stdout, /^task .*: escalated\nSEQ\s+AT\s+KIND\s+STEP\s+DETAIL\n1\s+\S+\s+started\s+start/);
      const guided = await golden(['task', 'guide', ids.done, '--text', 'too late'], operator);
      assert.equal(guided.code, 1);
      assert.match(guided.stderr, /answered 409: task .* is already completed/);
    });

    it('names each usage mistake and exits 2 before calling the API', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['escalation', 'resolve', esc.waiting, '--comment', 'x'], /missing --action \(one of accept, revise, abort\)/],
        [['escalation', 'resolve', esc.waiting, '--action', 'merge', '--comment', 'x'], /--action must be one of accept, revise, abort, got "merge"/],
        [['escalation', 'resolve', esc.waiting, '--action', 'revise', '--comment', 'x'], /--action revise needs --guidance/],
        [['escalation', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 500, got "0"/],
        [['escalation', 'show'], /golden escalation show needs the escalation id/],
        [['escalation', 'show', 'a', 'b'], /takes one escalation id; unexpected: b/],
        [['escalation', 'approve', esc.waiting], /unknown subcommand "escalation approve"/],
        [['dlq', 'show', 'abc'], /a dead letter id is a positive whole number, got "abc"/],
        [['dlq', 'redrive', '1', '--colour', 'red'], /Unknown option '--colour'/],
        [['task', 'guide', ids.running], /missing --text/],
      ];
      for (const [args, message] of cases) {
        const res = await golden(args, operator);
        assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
        assert.match(res.stderr, message, args.join(' '));
      }
      const { rows } = await api.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = 'olga' AND outcome = 'allowed' AND resource = $1`, [`escalation/${esc.waiting}`]);
      assert.equal(rows[0].n, 0, 'no mistaken call reached the API');
      const help = await golden(['dlq', '--help'], operator);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /golden dlq redrive <dead letter id>/);
    });
  });
});

describe("end to end with the pipeline's workflows (scripted LLM, real sandbox): people decide through the API", () => {
  let workers: TestWorkers;

  const taskStatus = async (id: string) => (await api.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [id])).rows[0]?.status;
  const untilStatus = (id: string, status: string, timeoutMs = 120_000) =>
    waitFor(`task ${id} to be ${status}`, async () => ((await taskStatus(id)) === status ? true : undefined), timeoutMs, 300);
  /** A task of a new tenant with this token budget, started through the API by its operator olga. */
  async function startTask(description: string, budget: number): Promise<{ taskId: string; tenantId: string; olga: string }> {
    const tenantId = uniqueId('ops-e2e').toLowerCase();
    await api.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, budget]);
    const olga = await api.token('operator', tenantId, 'olga');
    const taskId = uniqueId('ops-e2e-task');
    const res = await call('POST', '/tasks', olga, { id: taskId, title: 'FizzBuzz', description, language: 'python' });
    assert.equal(res.statusCode, 202, res.body);
    return { taskId, tenantId, olga };
  }
  /** The workflow's end: its history, events included, is complete by then. */
  const finished = (taskId: string) => api.temporal.workflow.getHandle(taskWorkflowId(taskId)).result().then(() => untilStatus(taskId, 'completed', 10_000));

  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis', 'docker']);
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
  });
  after(async () => {
    await workers?.close();
  });

  it('security veto → escalation awaiting a human → guidance and an accept through the API and golden → the task completes, decided by the token\'s subject', async () => {
    const { taskId, olga } = await startTask('Write fizzbuzz(n). scripted-vote: security=reject', 2_000_000);
    const escalationId = escalationWorkflowId(taskId, 1);
    await waitFor('the escalation to wait for a human', async () => {
      const { rows } = await api.db.query<{ status: string }>('SELECT status FROM escalations WHERE id = $1', [escalationId]);
      return rows[0]?.status === 'awaiting_human' ? true : undefined;
    }, 120_000, 300);

    const guided = await call('POST', `/tasks/${taskId}/guidance`, olga, { text: 'Validate the input range.' });
    assert.equal(guided.statusCode, 202, guided.body);
    const listed = await golden(['escalation', 'list', '--status', 'awaiting_human', '--task', taskId, '--json'], olga);
    assert.deepEqual(JSON.parse(listed.stdout).escalations.map((e: { id: string }) => e.id), [escalationId]);

    const resolved = await golden(['escalation', 'resolve', escalationId, '--action', 'accept', '--comment', 'checked by hand'], olga);
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.deepEqual(JSON.parse(resolved.stdout), { escalationId, outcome: { action: 'accept', source: 'human', decidedBy: 'olga', comment: 'checked by hand' } });
    await finished(taskId);
    assert.equal((await call('GET', `/tasks/${taskId}`, olga)).json().result.acceptedBy, 'human');

    const row = (await call('GET', `/escalations/${escalationId}`, olga)).json();
    assert.deepEqual([row.status, row.decidedBy, row.decision.action], ['resolved', 'olga', 'accept']);
    const again = await call('POST', `/escalations/${escalationId}/resolve`, olga, { action: 'abort', comment: 'changed my mind' });
    assert.equal(again.statusCode, 409, again.body);

    const history = (await call('GET', `/tasks/${taskId}/history`, olga)).json();
    const kinds = history.events.map((e: { kind: string }) => e.kind);
    for (const kind of ['started', 'escalation', 'guidance', 'escalation_resolved', 'finished']) assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
    const guidance = history.events.find((e: { kind: string }) => e.kind === 'guidance');
    assert.deepEqual([guidance.detail.by, guidance.detail.text], ['olga', 'Validate the input range.']);
    assert.deepEqual((await auditRows(`escalation/${escalationId}`)).map((r) => [r.action, r.outcome, r.actor]), [['escalation:resolve', 'allowed', 'olga']]);
  });

  it('budget exhausted → dead letter → limit raised → golden dlq redrive completes the task; a parked task is cancelled through the API', async () => {
    const { taskId, tenantId, olga } = await startTask('Write fizzbuzz(n).', 100);
    const letter = await waitFor('the dead letter', async () => {
      const open = (await call('GET', `/dead-letters?resolved=false&taskId=${taskId}`, olga)).json();
      return open.deadLetters[0] as { id: number; step: string; errorType: string } | undefined;
    }, 60_000, 500);
    assert.deepEqual([letter.step, letter.errorType], ['develop-r1i1', 'BudgetExceededError']);
    await untilStatus(taskId, 'dead_lettered', 30_000);

    await api.db.query('UPDATE budget_limits SET total_limit = 2000000 WHERE tenant_id = $1', [tenantId]);
    const redriven = await golden(['dlq', 'redrive', String(letter.id), '--comment', 'limit raised'], olga);
    assert.equal(redriven.code, 0, redriven.stderr);
    assert.deepEqual(JSON.parse(redriven.stdout), { deadLetterId: letter.id, step: 'develop-r1i1', action: 'redrive' });
    await finished(taskId);
    const closed = (await call('GET', `/dead-letters/${letter.id}`, olga)).json();
    assert.deepEqual([closed.resolved, closed.resolution, closed.resolvedBy], [true, 'redriven', 'olga']);
    assert.equal((await call('POST', `/dead-letters/${letter.id}/discard`, olga, {})).statusCode, 409);

    const parked = await startTask('Write fizzbuzz(n).', 100);
    const parkedId = parked.taskId;
    await untilStatus(parkedId, 'dead_lettered', 60_000);
    // A dead letter the database shows open but the workflow does not wait on: its validator refuses, and says why.
    const stray = await recordDeadLetter(api.db, { tenantId: parked.tenantId, taskId: parkedId, workflowId: taskWorkflowId(parkedId), step: 'review-r9i9', data: {}, error: 'stray', attempts: 1 });
    const refused = await call('POST', `/dead-letters/${stray}/redrive`, parked.olga, {});
    assert.equal(refused.statusCode, 409, refused.body);
    assert.match(refused.json().detail, new RegExp(`redrive of dead letter ${stray} was refused: dead letter ${stray} is not the task's open one`));
    await resolveDeadLetter(api.db, stray, 'task_cancelled', 'test');
    const cancelled = await golden(['task', 'cancel', parkedId, '--reason', 'no longer needed'], parked.olga);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    await untilStatus(parkedId, 'cancelled', 60_000);
    const closed2 = await waitFor('the parked step to be closed with its task', async () => {
      const letters = (await call('GET', `/dead-letters?taskId=${parkedId}&resolved=true`, parked.olga)).json().deadLetters as Array<{ step: string; resolution: string }>;
      return letters.find((d) => d.step === 'develop-r1i1');
    }, 30_000, 500);
    assert.equal(closed2.resolution, 'task_cancelled');
    assert.equal((await call('POST', `/tasks/${parkedId}/cancel`, parked.olga, {})).statusCode, 409, 'a cancelled task takes no second cancel');
  });
});
