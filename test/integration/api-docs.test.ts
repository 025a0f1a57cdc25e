import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCS_PREFIX } from '../../api/app.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig } from '../support/services.js';

/** Interactive docs at /docs: Swagger UI served by the API itself, without a token, showing the same document as /openapi.json. */
const config = testConfig();
let api: TestApi;

describe('interactive API docs', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
  });
  after(async () => {
    await api?.close();
  });

  const get = (url: string) => api.app.inject({ method: 'GET', url, remoteAddress: '10.77.0.1' });

  it('serves the Swagger UI page and its files from the API, with no token and nothing from elsewhere', async () => {
    const page = await get(`${DOCS_PREFIX}/`);
    assert.equal(page.statusCode, 200, page.body);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(sources.some((s) => s.includes('swagger-ui-bundle.js')), sources.join(' '));
    for (const source of sources) {
      assert.doesNotMatch(source, /^(https?:)?\/\//, `${source} is served by the API itself`);
      const file = await get(new URL(source, `http://api${DOCS_PREFIX}/`).pathname);
      assert.equal(file.statusCode, 200, `${source}: ${file.statusCode}`);
    }
    assert.ok(api.app.routeTable.filter((r) => r.url.startsWith(DOCS_PREFIX)).every((r) => r.public && !r.permission));
  });

  it('shows the same document as /openapi.json', async () => {
    const docs = await get(`${DOCS_PREFIX}/json`);
    assert.equal(docs.statusCode, 200);
    const document = (await get('/openapi.json')).json();
    assert.deepEqual(Object.keys(docs.json().paths).sort(), Object.keys(document.paths).sort());
    assert.ok(Object.keys(document.paths).includes('/tasks'));
  });

  it('leaves every other route protected', async () => {
    const res = await get('/tasks/some-task');
    assert.equal(res.statusCode, 401);
  });
});
