import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { taskQueueName } from '../../domain/task-queues.js';
import { proposePromptUpdate } from '../../lib/governance.js';
import { distDir, projectRoot } from '../../lib/paths.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { resetRole } from '../support/governance.js';
import { waitFor } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const run = promisify(execFile);
const config = testConfig();
const doc = readFileSync(join(projectRoot(), 'docs', 'runbooks.md'), 'utf8');

interface Step {
  language: 'sh' | 'sql';
  section: string;
  text: string;
}

/** Every fenced block tagged `sh runbook` or `sql runbook`, with the runbook it belongs to. */
function runbookSteps(): Step[] {
  const steps: Step[] = [];
  let section = '';
  for (const match of doc.matchAll(/^## (.+)$|^```(sh|sql) runbook\n([\s\S]*?)^```$/gm)) {
    if (match[1]) section = match[1];
    else steps.push({ language: match[2] as Step['language'], section, text: match[3]! });
  }
  return steps;
}

const tenant = uniqueId('runbook').toLowerCase();
const taskId = uniqueId('rbtask').toLowerCase();
const promptIds = [uniqueId('pu'), uniqueId('pu')] as const;
let dlqId = 0;
let api: TestApi;
let workers: TestWorkers;
let env: Record<string, string>;

/** The doc's example names, replaced by this test's own records. */
function localize(text: string): string {
  return text
    .replaceAll('tenant-123', tenant)
    .replaceAll('pu-example-1', promptIds[0])
    .replaceAll('pu-example-2', promptIds[1])
    .replaceAll('demo1', taskId)
    .replaceAll('--task-queue orchestrator', `--task-queue ${taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX)}`)
    .replace(/\b123\b/g, String(dlqId));
}

// `golden` and `temporal` as an operator's shell has them.
const PRELUDE = `golden() { node "${join(distDir(), 'cli', 'golden.js')}" "$@"; }\ntemporal() { "$TEMPORAL_CLI" "$@"; }\n`;

async function runStep(step: Step): Promise<string> {
  const text = localize(step.text);
  const { stdout } =
    step.language === 'sh'
      ? await run('bash', ['-euo', 'pipefail', '-c', PRELUDE + text], { env, timeout: 120_000 })
      : await run('psql', [config.DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-X', '-c', text], { env, timeout: 30_000 });
  return stdout;
}

describe('docs/runbooks.md, every step run against the stack', { timeout: 300_000 }, () => {
  const output = new Map<string, string>();

  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
    workers = await createTestWorkers(config, ['orchestrator']);
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const token = await api.token('admin', tenant, 'runbook-admin');
    env = {
      ...(process.env as Record<string, string>),
      API_URL: address,
      GOLDEN_TOKEN: token,
      DATABASE_URL: config.DATABASE_URL,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      TEMPORAL_CLI: config.TEMPORAL_CLI,
      TEMPORAL_TASK_QUEUE_PREFIX: config.TEMPORAL_TASK_QUEUE_PREFIX,
    };

    // What the runbooks act on: a budget, a task, a dead letter of it, prompt updates waiting for approval.
    await api.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, 100000)', [tenant]);
    const created = await api.app.inject({
      method: 'POST',
      url: '/tasks',
      headers: { authorization: `Bearer ${token}` },
      payload: { id: taskId, title: 'FizzBuzz', description: 'Print 1 to 15, Fizz for multiples of 3, Buzz for 5.', language: 'python' },
    });
    assert.equal(created.statusCode, 202, created.body);
    const { rows } = await api.db.query<{ id: string }>(
      `INSERT INTO dlq_messages (original_subject, data, error, attempts, tenant_id, task_id, workflow_id, step, error_type)
       VALUES ('activity.runSandbox', '{"step":"sandbox"}', 'sandbox engine unreachable', 5, $1, $2, $3, 'sandbox', 'CircuitOpenError') RETURNING id`,
      [tenant, taskId, `task-${taskId}`],
    );
    dlqId = Number(rows[0]!.id);
    await resetRole(api.db, 'security');
    await resetRole(api.db, 'developer');
    for (const updateId of promptIds) {
      await proposePromptUpdate(api.db, { updateId, agentRole: 'security', body: `Check licences too (${updateId}).`, reason: 'runbook test', source: 'operator', proposedBy: 'runbook' }, 600);
    }
    // The state runbook 4's cooldown reset is for.
    await proposePromptUpdate(api.db, { updateId: uniqueId('pu'), agentRole: 'developer', body: 'Name things well.', reason: 'runbook test', source: 'operator', proposedBy: 'runbook' }, 600);
    // The task has run its first workflow task, so runbook 5 has something to reset to.
    await waitFor('the task\'s first workflow task', async () => {
      const { historyLength } = await api.temporal.workflow.getHandle(`task-${taskId}`).describe();
      return historyLength >= 4 ? true : undefined;
    });

    for (const step of runbookSteps()) {
      const started = Date.now();
      output.set(`${step.section}\n${step.text}`, await runStep(step));
      console.log(`# ran ${step.language} step of "${step.section}" in ${Date.now() - started} ms`);
    }
  });

  after(async () => {
    await workers?.close();
    await resetRole(api.db, 'security').catch(() => undefined);
    await resetRole(api.db, 'developer').catch(() => undefined);
    await api?.close();
  });

  const stepsOf = (section: string) => [...output.entries()].filter(([key]) => key.startsWith(section)).map(([, out]) => out).join('\n');

  it('documents the six runbooks, each with steps', () => {
    const sections = new Set(runbookSteps().map((s) => s.section));
    for (const title of ['Circuit breaker is open', 'Dead letters piling up', 'Budget exhausted', 'Learning updates blocked', 'Stuck workflow', 'Worker backlog']) {
      assert.ok([...sections].some((s) => s.includes(title)), `a runbook "${title}" with steps`);
    }
  });

  it('breaker: list and a reset everywhere', () => {
    const out = stepsOf('1.');
    assert.match(out, /"breakers"/);
    assert.match(out, /"name": "llm:openai:api\.openai\.com"/);
  });

  it('dead letters: the CLI and the seed SQL show the same record', () => {
    const out = stepsOf('2.');
    assert.match(out, new RegExp(`^${dlqId}\\s+open\\s+${taskId}`, 'm'), 'listed as open');
    assert.match(out, /sandbox engine unreachable/);
    assert.match(out, /original_subject\s*\|\s*data[\s\S]*activity\.runSandbox\s*\|\s*\{"step": "sandbox"\}/, 'the seed query finds it');
  });

  it('budget: the CLI and the seed SQL raise the limit', async () => {
    const out = stepsOf('3.');
    assert.match(out, /100000/, 'the status shows the old limit');
    assert.match(out, /UPDATE 1/);
    const { rows } = await api.db.query<{ total_limit: string }>('SELECT total_limit FROM budget_limits WHERE tenant_id = $1', [tenant]);
    assert.equal(Number(rows[0]!.total_limit), 2_000_000);
  });

  it('learning updates: shown by the CLI, approved by the seed SQL, cooldown reset', async () => {
    const out = stepsOf('4.');
    assert.match(out, /approve_prompt_update\s*\n-+\n\s*applied\b/);
    const { rows } = await api.db.query<{ update_id: string; status: string }>('SELECT id AS update_id, status FROM prompt_updates WHERE id = ANY($1) ORDER BY array_position($1, id)', [[...promptIds]]);
    assert.deepEqual(rows.map((r) => r.status), ['pending_approval', 'applied'], 'the first shown, the second approved by the seed SQL');
    const ok = await api.db.query<{ ok: boolean }>("SELECT can_auto_update_prompt('developer') AS ok");
    assert.equal(ok.rows[0]!.ok, true);
  });

  it('stuck workflow: described and reset to a new run', async () => {
    const out = stepsOf('5.');
    assert.match(out, new RegExp(`task-${taskId}`));
    const description = await api.temporal.workflow.getHandle(`task-${taskId}`).describe();
    assert.ok(description.runId, 'the reset run exists');
    const { stdout } = await run(config.TEMPORAL_CLI, ['workflow', 'list', '--query', `WorkflowId = 'task-${taskId}'`], { env, timeout: 30_000 });
    assert.ok(stdout.trim().split('\n').length >= 3, `two runs after the reset:\n${stdout}`);
  });

  it('worker backlog: golden scale and the queue description', () => {
    const out = stepsOf('6.');
    assert.match(out, /orchestrator/);
  });
});
