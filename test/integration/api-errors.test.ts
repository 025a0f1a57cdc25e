import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_PATH_PARAM_LENGTH } from '../../api/app.js';
import { PROBLEMS, PROBLEM_CONTENT_TYPE } from '../../api/problem.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

/** Every error the API gives is one RFC 9457 problem document with a stable code, and never shows a stack. */
const config = testConfig();
const tenant = uniqueId('err').toLowerCase();
let api: TestApi;
let token: string;

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, code: keyof typeof PROBLEMS) {
  assert.equal(res.statusCode, PROBLEMS[code].status, res.body);
  assert.match(String(res.headers['content-type']), new RegExp(`^${PROBLEM_CONTENT_TYPE.replace('+', '\\+')}`));
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.equal(body.type, `urn:golden:problem:${code}`);
  assert.equal(body.title, PROBLEMS[code].title);
  assert.equal(body.status, PROBLEMS[code].status);
  assert.equal(body.code, code);
  assert.equal(typeof body.detail, 'string');
  assert.equal(body.requestId, res.headers['x-request-id']);
  assert.doesNotMatch(res.body, /\bat \S+ \(|node:internal|\.js:\d+:\d+|"stack"/, 'no stack trace');
  return body;
}

describe('API errors as problem+json', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
    token = await api.token('admin', tenant);
  });
  after(async () => {
    await api?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, extra: { payload?: string | object; headers?: Record<string, string> } = {}) =>
    api.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...extra.headers }, ...(extra.payload === undefined ? {} : { payload: extra.payload }) });

  it('names each bad field, and rejects unknown fields in bodies and query strings', async () => {
    const body = assertProblem(await call('POST', '/tasks', { payload: { title: 'x', description: 'y', language: 'python', tenantId: 'other', role: 'admin' } }), 'invalid_request');
    assert.match(String(body.detail), /tenantId/);
    assert.ok(Array.isArray(body.errors) && body.errors.length >= 1);
    assertProblem(await call('GET', `/budgets/${tenant}/reservations?limit=5&debug=1`), 'invalid_request');
    assertProblem(await call('PUT', `/budgets/${tenant}/limit`, { payload: { totalLimit: 5, owner: 'x' } }), 'invalid_request');
  });

  it('answers malformed JSON, a wrong content type and an oversized body with their own codes', async () => {
    assertProblem(await call('POST', '/tasks', { payload: '{"title":', headers: { 'content-type': 'application/json' } }), 'invalid_request');
    assertProblem(await call('POST', '/tasks', { payload: '<task/>', headers: { 'content-type': 'application/xml' } }), 'unsupported_media_type');
    const huge = JSON.stringify({ title: 'x', description: 'd'.repeat(2 * 1024 * 1024), language: 'python' });
    assertProblem(await call('POST', '/tasks', { payload: huge, headers: { 'content-type': 'application/json' } }), 'payload_too_large');
  });

  it('answers auth, permission, missing objects and unknown routes as problems', async () => {
    assertProblem(await api.app.inject({ method: 'GET', url: '/tasks/x', remoteAddress: '10.88.0.1' }), 'unauthorized');
    assertProblem(await api.app.inject({ method: 'POST', url: '/tasks', headers: { authorization: `Bearer ${await api.token('observer', tenant)}` }, payload: {} }), 'forbidden');
    assertProblem(await call('GET', `/tasks/${uniqueId('missing')}`), 'not_found');
    assertProblem(await api.app.inject({ method: 'GET', url: '/no/such/route?x=1', remoteAddress: '10.88.0.2' }), 'not_found');
  });

  it('refuses text Postgres cannot store (NUL, unpaired surrogates) as a 400 naming the field, creating nothing', async () => {
    const id = uniqueId('nul');
    for (const [payload, field] of [
      [`{"id":"${id}","title":"a\\u0000b","description":"d","language":"python"}`, 'body.title'],
      [`{"id":"${id}","title":"a","description":"x\\ud800y","language":"python"}`, 'body.description'],
      [`{"id":"${id}","title":"a","description":"d","language":"python","\\u0000":1}`, 'body (a key)'],
    ] as const) {
      const body = assertProblem(await call('POST', '/tasks', { payload, headers: { 'content-type': 'application/json' } }), 'invalid_request');
      assert.equal((body.errors as Array<{ field: string }>)[0]?.field, field, payload);
    }
    assertProblem(await call('GET', '/prompts/updates?status=%00'), 'invalid_request');
    assertProblem(await call('GET', `/tasks/${id}`), 'not_found');
    // A well-formed pair (an emoji) is text like any other: only the bad language is named.
    const emoji = assertProblem(await call('POST', '/tasks', { payload: { id, title: 'ok \u{1F600}', description: 'd', language: 'cobol' } }), 'invalid_request');
    assert.deepEqual((emoji.errors as Array<{ field: string }>).map((e) => e.field), ['body.language']);
  });

  it('refuses a long path parameter by its schema, and one beyond the router limit as a 414 problem', async () => {
    const long = assertProblem(await call('GET', `/tasks/${'a'.repeat(MAX_PATH_PARAM_LENGTH)}`), 'invalid_request');
    assert.match(String(long.detail), /params\.id/);
    assertProblem(await call('GET', `/tasks/${'a'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`), 'uri_too_long');
    assertProblem(await call('GET', '/tasks/%E0%A4%A'), 'invalid_request');
  });

  it('hides the cause of an internal error behind a 500 with the request id', async () => {
    const broken = await createTestApi(config);
    const brokenToken = await broken.token('admin', tenant);
    await broken.db.end();
    try {
      const res = await broken.app.inject({ method: 'GET', url: '/tasks/x', headers: { authorization: `Bearer ${brokenToken}`, 'x-request-id': 'trace-me-1' } });
      const body = assertProblem(res, 'internal');
      assert.equal(body.requestId, 'trace-me-1');
      assert.doesNotMatch(res.body, /pool|Cannot use/i, 'the cause stays in the log');
    } finally {
      await broken.app.close();
      await broken.temporal.connection.close();
      broken.redis.disconnect();
    }
  });

  it('reports readiness of Postgres, Redis and Temporal, and 503 when one is gone', async () => {
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json(), { ok: true, checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } });
    const broken = await createTestApi(config);
    broken.redis.disconnect();
    try {
      const res = await broken.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { ok: false, checks: { postgres: 'ok', redis: 'unavailable', temporal: 'ok' } });
    } finally {
      await broken.close();
    }
  });

  it('publishes the problem shape in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.deepEqual(Object.keys(doc.components.schemas.Problem.properties).sort(), ['code', 'detail', 'errors', 'instance', 'message', 'requestId', 'status', 'title', 'type']);
    for (const [path, methods] of Object.entries<Record<string, { security?: unknown; responses: Record<string, unknown> }>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.security) continue;
        const statuses = ['401', '403', '429', '500'];
        if (path.includes('{')) statuses.push('400', '414');
        if (method === 'post' || method === 'put') statuses.push('400');
        for (const status of statuses) assert.ok(op.responses[status], `${method.toUpperCase()} ${path} documents ${status}`);
        for (const [status, response] of Object.entries(op.responses as Record<string, { content?: Record<string, unknown> }>)) {
          if (Number(status) >= 400) assert.deepEqual(Object.keys(response.content ?? {}), [PROBLEM_CONTENT_TYPE], `${method.toUpperCase()} ${path} ${status} is a problem`);
        }
      }
    }
  });
});
