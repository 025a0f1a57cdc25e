import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { declareRouteTable, type RouteEntry } from '../../api/app.js';
import type { AgentRole } from '../../domain/agent-roles.js';
import { ANONYMOUS, USER_ROLES, roleHasPermission, type CallerRole, type UserRole } from '../../domain/roles.js';
import { escalationWorkflowId, taskWorkflowId } from '../../domain/workflow-ids.js';
import { recordDeadLetter } from '../../lib/dead-letter-store.js';
import { openEscalation } from '../../lib/escalation-store.js';
import { ensureTask } from '../../lib/task-store.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

/**
 * The RBAC matrix is built from the app's own route table: every route ×
 * every role (and anonymous), expected allow or deny from domain/roles.ts.
 * A new route is covered the moment it exists; one without a declared
 * permission cannot be added at all.
 */

// Compile-time: user roles and agent roles are different types, though both have a "developer".
// @ts-expect-error an agent role is not a user role
const agentAsUser: UserRole = 'tester' as AgentRole;
void agentAsUser;

/** The only routes reachable without a token; adding one to this list is a decision, not an accident. */
const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
/** Static pages that hold no data (the console's and the interactive docs' files): public, and every data call they make is checked. */
const PUBLIC_STATIC_PREFIXES = ['/console', '/docs'];

/** Objects of one tenant ("the owner") that another tenant reaches for. */
interface OwnerObjects {
  tenant: string;
  taskId: string;
  escalationId: string;
  deadLetterId: number;
}

/** How one route reaches for the owner's object: its path parameters, a valid body if it takes one, and the answer. */
type Reach = { params: Record<string, string>; body?: object; expected: 404 | 409 };

/**
 * Every route that names a tenant's object, with how to reach for another
 * tenant's one. A route with a path parameter that is in neither this table
 * nor NOT_TENANT_OBJECTS fails the test until it is added to one of them.
 */
const REACH: Record<string, (o: OwnerObjects) => Reach> = {
  'POST /tasks': (o) => ({ params: {}, body: { id: o.taskId, title: 'T', description: 'D', language: 'python' }, expected: 409 }),
  'GET /tasks/:id': (o) => ({ params: { id: o.taskId }, expected: 404 }),
  'HEAD /tasks/:id': (o) => ({ params: { id: o.taskId }, expected: 404 }),
  'GET /budgets/:tenant': (o) => ({ params: { tenant: o.tenant }, expected: 404 }),
  'HEAD /budgets/:tenant': (o) => ({ params: { tenant: o.tenant }, expected: 404 }),
  'PUT /budgets/:tenant/limit': (o) => ({ params: { tenant: o.tenant }, body: { totalLimit: 1 }, expected: 404 }),
  'GET /budgets/:tenant/reservations': (o) => ({ params: { tenant: o.tenant }, expected: 404 }),
  'HEAD /budgets/:tenant/reservations': (o) => ({ params: { tenant: o.tenant }, expected: 404 }),
  'GET /tasks/:id/history': (o) => ({ params: { id: o.taskId }, expected: 404 }),
  'HEAD /tasks/:id/history': (o) => ({ params: { id: o.taskId }, expected: 404 }),
  'POST /tasks/:id/guidance': (o) => ({ params: { id: o.taskId }, body: { text: 'use a dict' }, expected: 404 }),
  'POST /tasks/:id/cancel': (o) => ({ params: { id: o.taskId }, body: {}, expected: 404 }),
  'GET /escalations/:id': (o) => ({ params: { id: o.escalationId }, expected: 404 }),
  'HEAD /escalations/:id': (o) => ({ params: { id: o.escalationId }, expected: 404 }),
  'POST /escalations/:id/resolve': (o) => ({ params: { id: o.escalationId }, body: { action: 'accept', comment: 'ok' }, expected: 404 }),
  'GET /dead-letters/:id': (o) => ({ params: { id: String(o.deadLetterId) }, expected: 404 }),
  'HEAD /dead-letters/:id': (o) => ({ params: { id: String(o.deadLetterId) }, expected: 404 }),
  'POST /dead-letters/:id/redrive': (o) => ({ params: { id: String(o.deadLetterId) }, body: {}, expected: 404 }),
  'POST /dead-letters/:id/discard': (o) => ({ params: { id: String(o.deadLetterId) }, body: {}, expected: 404 }),
};

/** Routes whose path parameter names no tenant's object, each with the reason. */
// Agent prompts and their updates belong to the platform, not to a tenant: every tenant's agents use them.
const PLATFORM_PROMPTS = 'agent prompts are platform-wide; proposing and deciding them is restricted to staff roles instead';
const NOT_TENANT_OBJECTS: Record<string, string> = {
  'GET /prompts/updates/:id': PLATFORM_PROMPTS,
  'HEAD /prompts/updates/:id': PLATFORM_PROMPTS,
  'POST /prompts/updates/:id/approve': PLATFORM_PROMPTS,
  'POST /prompts/updates/:id/reject': PLATFORM_PROMPTS,
  'GET /prompts/:role': PLATFORM_PROMPTS,
  'HEAD /prompts/:role': PLATFORM_PROMPTS,
  'POST /prompts/:role/rollback': PLATFORM_PROMPTS,
  'POST /breakers/:name/reset': 'circuit breakers guard dependencies every tenant shares; resetting one is restricted to staff roles instead',
};

const config = testConfig();
let api: TestApi;
let routes: RouteEntry[];
const tenant = uniqueId('rbac').toLowerCase();
let address = 0;

/** Each call is its own subject and address, so rate limits never answer in place of RBAC. */
async function callAs(role: CallerRole, route: RouteEntry, url: string, payload: object | undefined, callerTenant = tenant) {
  address += 1;
  const requestId = uniqueId('rbac-req');
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (role !== ANONYMOUS) headers.authorization = `Bearer ${await api.token(role, callerTenant, uniqueId(role))}`;
  const res = await api.app.inject({
    method: route.method as 'GET',
    url,
    headers,
    remoteAddress: `10.99.${Math.floor(address / 250)}.${(address % 250) + 1}`,
    ...(payload ? { payload } : {}),
  });
  return { res, requestId };
}

async function auditOf(requestId: string) {
  const { rows } = await api.db.query<{ outcome: string; action: string; reason: string; resource: string }>(
    `SELECT outcome, action, resource, detail->>'reason' AS reason FROM audit_log WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  return rows;
}

describe('RBAC matrix and tenant isolation, from the route table', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
    await api.app.ready();
    routes = api.app.routeTable;
  });
  after(async () => {
    await api?.close();
  });

  it('refuses to register a route that declares no permission', async () => {
    const app = Fastify();
    declareRouteTable(app);
    app.get('/declared', { config: { permission: 'task:read' } }, async () => 'ok');
    app.get('/probe', { config: { public: true } }, async () => 'ok');
    assert.throws(() => app.get('/forgotten', async () => 'ok'), /route GET \/forgotten declares no permission/);
    await app.ready();
    assert.deepEqual(
      app.routeTable.filter((r) => r.method === 'GET').map((r) => [r.url, r.permission ?? 'public']),
      [
        ['/declared', 'task:read'],
        ['/probe', 'public'],
      ],
    );
    await app.close();
  });

  it('has a permission on every route but the public probes', () => {
    assert.ok(routes.length >= 8, `${routes.length} routes`);
    for (const route of routes) {
      // A CORS preflight is public by design: browsers send it without credentials.
      if (route.public) {
        const isStatic = PUBLIC_STATIC_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`));
        assert.ok(PUBLIC_ROUTES.has(route.url) || isStatic || route.method === 'OPTIONS', `${route.method} ${route.url} is public but not a probe`);
      }
      else assert.ok(route.permission, `${route.method} ${route.url}`);
    }
  });

  it('rejects unknown fields in every body and query string the API document describes', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const resolve = (schema: { $ref?: string }) => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema);
    for (const [path, methods] of Object.entries<Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const body = op.requestBody?.content['application/json']?.schema;
        if (body) assert.equal(resolve(body).additionalProperties, false, `${method.toUpperCase()} ${path} body`);
      }
    }
  });

  it('answers every protected route × every role as domain/roles.ts says, and audits each refusal', async () => {
    const matrix: string[] = [];
    for (const route of routes.filter((r) => !r.public)) {
      for (const role of [...USER_ROLES, ANONYMOUS] as CallerRole[]) {
        const url = route.url.replace(':tenant', tenant).replace(/:[A-Za-z]+/g, () => uniqueId('x'));
        const payload = route.method === 'POST' || route.method === 'PUT' ? {} : undefined;
        const { res, requestId } = await callAs(role, route, url, payload);
        const allowed = roleHasPermission(role, route.permission!);
        const expected = role === ANONYMOUS ? 401 : allowed ? 'through' : 403;
        const got = res.statusCode === 401 || res.statusCode === 403 ? res.statusCode : 'through';
        matrix.push(`${route.method} ${route.url} ${role}: ${got}`);
        assert.equal(got, expected, `${route.method} ${route.url} as ${role} (${route.permission}): ${res.statusCode} ${res.body}`);
        assert.notEqual(res.statusCode, 429, 'rate limits must not answer for RBAC here');
        if (expected !== 'through') {
          const rows = await auditOf(requestId);
          assert.equal(rows.length, 1, `${route.method} ${route.url} as ${role}: audited`);
          assert.equal(rows[0]!.outcome, 'denied');
          assert.equal(rows[0]!.action, route.permission);
          assert.equal(rows[0]!.reason, role === ANONYMOUS ? 'missing_token' : 'forbidden');
        }
      }
    }
    assert.equal(matrix.length, routes.filter((r) => !r.public).length * (USER_ROLES.length + 1));
  });

  it("answers another tenant's object as missing on every route that takes an id, and audits the attempt", async () => {
    const owner = uniqueId('owner').toLowerCase();
    const taskId = uniqueId('owned-task');
    await ensureTask(api.db, taskId, `task-${taskId}`, { title: 'T', description: 'D', language: 'python', tenantId: owner, requestedBy: 'olive' }, 'queued');
    await api.budget.setLimit(owner, { totalLimit: 1_000 }, 'olive');
    const escalationId = escalationWorkflowId(taskId, 1);
    await openEscalation(api.db, { id: escalationId, taskId, tenantId: owner, seq: 1, reason: 'review_deadlock', context: {} });
    const deadLetterId = await recordDeadLetter(api.db, { tenantId: owner, taskId, workflowId: taskWorkflowId(taskId), step: 'develop-r1i1', data: {}, error: 'provider unavailable', attempts: 3 });
    const intruderTenant = uniqueId('intruder').toLowerCase();

    const unsorted = routes.filter((r) => !r.public && r.url.includes(':') && !REACH[`${r.method} ${r.url}`] && !NOT_TENANT_OBJECTS[`${r.method} ${r.url}`]);
    assert.deepEqual(
      unsorted.map((r) => `${r.method} ${r.url}`),
      [],
      "routes that name an object but are in neither REACH (how to reach another tenant's one) nor NOT_TENANT_OBJECTS: add them",
    );
    const reaching = routes.filter((r) => REACH[`${r.method} ${r.url}`]);
    assert.equal(reaching.length, Object.keys(REACH).length, 'every REACH entry is a route of the app');
    for (const route of reaching) {
      const reach = REACH[`${route.method} ${route.url}`]!({ tenant: owner, taskId, escalationId, deadLetterId });
      const url = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => reach.params[name]!);
      // admin is scoped to its own tenant too: the strongest role must not cross.
      const { res, requestId } = await callAs('admin', route, url, reach.body, intruderTenant);
      assert.equal(res.statusCode, reach.expected, `${route.method} ${route.url}: ${res.body}`);
      const rows = await auditOf(requestId);
      assert.deepEqual(
        rows.map((r) => ({ outcome: r.outcome, reason: r.reason, action: r.action })),
        [{ outcome: 'denied', reason: 'other_tenant', action: route.permission }],
        `${route.method} ${route.url}: audited`,
      );
    }
    const { rows } = await api.db.query(`SELECT tenant_id, title FROM tasks WHERE id = $1`, [taskId]);
    assert.deepEqual(rows, [{ tenant_id: owner, title: 'T' }], 'the task is untouched');
  });
});
