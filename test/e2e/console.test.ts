import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../api/routes/console-static.js';
import { CHROMIUM } from '../../cli/stack/apt.js';
import { startBreakerControl } from '../../lib/breaker-control.js';
import { BreakerRegistry } from '../../lib/circuit-breaker.js';
import { createRedis } from '../../lib/redis.js';
import type { UserRole } from '../../domain/roles.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { resetRole } from '../support/governance.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig({
  ESCALATION_DEADLINE_SECONDS: '600',
  PROMPT_APPROVAL_TTL_SECONDS: '300',
  PROMPT_RECHECK_SECONDS: '1',
  TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  // The page polls; the limits themselves are the security suite's subject.
  API_RATE_LIMIT_SCALE: '20',
});
const SHOTS = join('.data', 'test-results', 'console');
const VIEWS = ['tasks', 'escalations', 'prompts', 'budgets', 'dead-letters', 'breakers', 'audit'] as const;
// Long enough for the scripted pipeline: tests, four reviewers, a supervisor.
const PIPELINE_MS = 180_000;

let api: TestApi;
let url: string;
let workers: TestWorkers;
let browser: Browser;
const tenant = uniqueId('console').toLowerCase();

async function signIn(role: UserRole, sub: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/console/`);
  await page.getByLabel('Access token (JWT)').fill(await api.token(role, tenant, sub));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  assert.match(await page.getByTestId('who').innerText(), new RegExp(`${sub} · ${role} · tenant ${tenant}`));
  return page;
}

async function show(page: Page, view: (typeof VIEWS)[number], arg?: string): Promise<void> {
  await page.goto(`${url}/console/#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}`);
  await page.locator('main h2').first().waitFor();
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

const dbStatus = async (sql: string, id: string) => (await workers.db.query<{ status: string }>(sql, [id])).rows[0]?.status;

describe('the operator console in a real browser (Debian chromium, real API, workers and stack)', () => {
  before(async () => {
    assert.ok(existsSync(join(CONSOLE_DIR, 'index.html')), `the console is not built in ${CONSOLE_DIR}: run \`npm run build\``);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: \`golden stack up\` installs Debian's chromium`);
    await requireServices(config);
    mkdirSync(SHOTS, { recursive: true });
    api = await createTestApi(config);
    url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
    await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenant, 5_000_000]);
    // Debian's chromium as root needs --no-sandbox; the page is our own.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await workers?.close();
    await api?.close();
  });

  it('serves the built page without a token, refuses paths outside it, and answers an unchanged GET with 304', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/console/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, page.body);
    const asset = await api.app.inject({ method: 'GET', url: script });
    assert.equal(asset.statusCode, 200);
    assert.match(asset.headers['cache-control'] as string, /immutable/);
    assert.equal((await api.app.inject({ method: 'GET', url: '/console/%2e%2e/%2e%2e/package.json' })).statusCode, 404);
    assert.equal((await api.app.inject({ method: 'GET', url: '/console/assets/missing.js' })).statusCode, 404);
    assert.equal((await api.app.inject({ method: 'GET', url: '/console' })).headers.location, '/console/');

    const headers = { authorization: `Bearer ${await api.token('observer', tenant)}` };
    const first = await api.app.inject({ method: 'GET', url: `/budgets/${tenant}`, headers });
    assert.equal(first.statusCode, 200);
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]+"$/);
    const again = await api.app.inject({ method: 'GET', url: `/budgets/${tenant}`, headers: { ...headers, 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const stale = await api.app.inject({ method: 'GET', url: `/budgets/${tenant}`, headers: { ...headers, 'if-none-match': '"other"' } });
    assert.equal(stale.statusCode, 200);
    assert.equal(stale.json().tenantId, tenant);
  });

  it('an operator resolves an escalation in the page and watches its task complete', { timeout: PIPELINE_MS + 60_000 }, async () => {
    const operatorToken = await api.token('operator', tenant, 'olga');
    const created = await api.app.inject({
      method: 'POST',
      url: '/tasks',
      headers: { authorization: `Bearer ${operatorToken}` },
      payload: { title: 'FizzBuzz', description: 'Write fizzbuzz(n). scripted-vote: security=reject', language: 'python' },
    });
    assert.equal(created.statusCode, 202, created.body);
    const taskId = created.json().id as string;
    // The security veto rejects every round; the supervisor's plan then waits for a human.
    const escalationId = await waitFor(
      'the escalation to wait for a human',
      async () => (await workers.db.query<{ id: string }>("SELECT id FROM escalations WHERE task_id = $1 AND status = 'awaiting_human'", [taskId])).rows[0]?.id,
      PIPELINE_MS,
      500,
    );

    // The API finds it by the agent role working on it now (Temporal's AgentRole search attribute).
    const bySupervisor = await waitFor(
      'the task to be listed under the supervisor',
      async () => {
        const listed = await api.app.inject({ method: 'GET', url: '/tasks?role=supervisor&status=escalated', headers: { authorization: `Bearer ${operatorToken}` } });
        return listed.json<{ tasks: Array<{ id: string }> }>().tasks.some((t) => t.id === taskId) ? true : undefined;
      },
      30_000,
      500,
    );
    assert.equal(bySupervisor, true);
    const byTester = await api.app.inject({ method: 'GET', url: '/tasks?role=tester', headers: { authorization: `Bearer ${operatorToken}` } });
    assert.ok(!byTester.json<{ tasks: Array<{ id: string }> }>().tasks.some((t) => t.id === taskId));

    const page = await signIn('operator', 'olga');
    // While it waits, the task takes guidance and could be cancelled (operator: task:guide, task:cancel).
    await show(page, 'tasks', taskId);
    await page.getByTestId('task-status').filter({ hasText: 'escalated' }).waitFor();
    await page.getByLabel('Guidance for the developer').fill('Keep the function signature fizzbuzz(n).');
    await page.getByRole('button', { name: 'Send guidance' }).click();
    await page.getByRole('status').filter({ hasText: 'sent' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Cancel task' }).isEnabled());
    await show(page, 'escalations');
    const card = page.locator(`article[data-escalation="${escalationId}"]`);
    await card.waitFor();
    assert.match(await card.innerText(), /Supervisor’s proposed plan/);
    await screenshot(page, 'escalations');

    await card.getByLabel('accept').check();
    await card.getByLabel('Comment (required)').fill('Reviewed by hand: the veto is a false positive.');
    await card.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('decision').filter({ hasText: `${escalationId} resolved: accept` }).waitFor();

    await show(page, 'tasks', taskId);
    // The page polls: the status changes without a reload.
    await page.getByTestId('task-status').filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    assert.equal(await dbStatus('SELECT status FROM tasks WHERE id = $1', taskId), 'completed');
    assert.equal(await dbStatus('SELECT status FROM escalations WHERE id = $1', escalationId), 'resolved');
    const timeline = await page.getByRole('list', { name: 'task timeline' }).innerText();
    for (const step of ['solution', 'tests run', 'peer review', 'guidance', 'escalation resolved']) assert.ok(timeline.includes(step), `${step} in the timeline:\n${timeline}`);
    assert.match(await page.getByTestId('review-explanation').innerText(), /security vetoed it/);
    assert.equal(await page.getByRole('link', { name: /in the Temporal Web UI/ }).getAttribute('href'), `http://127.0.0.1:8233/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/task-${taskId}`);
    await screenshot(page, 'tasks');

    for (const view of ['budgets', 'dead-letters', 'audit'] as const) {
      await show(page, view);
      await screenshot(page, view);
    }
    await show(page, 'audit');
    await page.getByText('escalation:resolve').first().waitFor();
    await page.context().close();
  });

  it('an admin approves a pending prompt update in the page and sees it applied', { timeout: 90_000 }, async () => {
    await resetRole(workers.db, 'security');
    const before = (await api.app.inject({ method: 'GET', url: '/prompts/security', headers: { authorization: `Bearer ${await api.token('admin', tenant)}` } })).json();
    const updateId = `pu-${uniqueId('console')}`;
    const body = `${before.body}\nAlso check licences of added dependencies.`;
    const proposed = await api.app.inject({
      method: 'POST',
      url: '/prompts/updates',
      headers: { authorization: `Bearer ${await api.token('operator', tenant, 'olga')}` },
      payload: { agentRole: 'security', body, reason: 'a GPL file went unnoticed', updateId },
    });
    assert.equal(proposed.statusCode, 202, proposed.body);
    await waitFor('the update to wait for approval', async () => ((await dbStatus('SELECT status FROM prompt_updates WHERE id = $1', updateId)) === 'pending_approval' ? true : undefined), 30_000, 200);
    try {
      const page = await signIn('admin', 'ada');
      await show(page, 'prompts');
      const card = page.locator(`article[data-update="${updateId}"]`);
      await card.waitFor();
      await card.getByText('Changes against the current prompt').click();
      await card.locator('pre').first().waitFor();
      await screenshot(page, 'prompts');
      await card.getByLabel('Comment').fill('Approved after review');
      await card.getByRole('button', { name: 'Approve' }).click();
      await page.getByTestId('decision').filter({ hasText: `${updateId}: now applied` }).waitFor({ timeout: 30_000 });
      await page.getByLabel('Status').selectOption('applied');
      const applied = page.locator(`article[data-update="${updateId}"]`);
      await applied.getByTestId('applied-version').waitFor();
      assert.match(await applied.innerText(), /Decided by ada: Approved after review/);
      const now = (await api.app.inject({ method: 'GET', url: '/prompts/security', headers: { authorization: `Bearer ${await api.token('admin', tenant)}` } })).json();
      assert.equal(now.body, body);
      assert.match(await applied.getByTestId('applied-version').innerText(), new RegExp(`version ${now.version}\\b`));
      await page.context().close();
    } finally {
      await api.app.inject({ method: 'POST', url: '/prompts/security/rollback', headers: { authorization: `Bearer ${await api.token('admin', tenant)}` }, payload: {} });
      await resetRole(workers.db, 'security');
    }
  });

  it('an operator resets an open circuit breaker and sees every process close it', async () => {
    // A process of this deployment (its own queue prefix) whose postgres breaker has opened.
    const breakers = new BreakerRegistry();
    const breaker = breakers.get('postgres', { failureThreshold: 1, openMs: 600_000 });
    await breaker.call(() => Promise.reject(new Error('connection refused'))).catch(() => undefined);
    assert.equal(breakers.all()[0]?.state, 'OPEN');
    const quiet = { info: () => undefined, warn: () => undefined };
    const [publisher, subscriber] = [createRedis(config), createRedis(config)];
    const control = await startBreakerControl({ breakers, service: 'console-e2e', prefix: config.TEMPORAL_TASK_QUEUE_PREFIX, publisher, subscriber, logger: quiet });
    try {
      await control.report();
      const page = await signIn('operator', 'olga');
      await show(page, 'breakers');
      const row = page.locator('tr[data-breaker="postgres"]');
      await row.getByText('OPEN', { exact: true }).waitFor();
      assert.match(await row.innerText(), /connection refused/);
      await screenshot(page, 'breakers');
      await row.getByRole('button', { name: 'Reset postgres' }).click();
      await row.getByRole('status').filter({ hasText: 'sent to 1 process' }).waitFor();
      await row.getByText('CLOSED', { exact: true }).waitFor({ timeout: 20_000 });
      assert.equal(breakers.all()[0]?.state, 'CLOSED');
      await page.context().close();
    } finally {
      await control.stop();
      publisher.disconnect();
      subscriber.disconnect();
    }
  });

  it('an observer finds no action anywhere, and no audit log', async () => {
    const page = await signIn('observer', 'otto');
    assert.match(await page.getByTestId('who').innerText(), /read only/);
    // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'main');
    const nav = await page.getByRole('navigation', { name: 'views' }).innerText();
    assert.ok(!nav.includes('Audit log'), nav);
    for (const view of VIEWS.filter((v) => v !== 'audit')) {
      await show(page, view);
      // Let the view's first answers arrive before looking for buttons.
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('button[data-action], form.resolve').count(), 0, `no action in ${view}`);
    }
    // The escalation the operator resolved above: its card is shown, with no form.
    await show(page, 'escalations');
    await page.getByLabel('Status').selectOption('');
    await page.locator('article[data-escalation]').first().waitFor();
    assert.equal(await page.locator('form.resolve, button[data-action]').count(), 0);
    await screenshot(page, 'observer-escalations');
    await page.context().close();
  });
});
