import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { projectRoot } from '../../lib/paths.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';
import { waitFor } from '../support/processes.js';
import { resetRole } from '../support/governance.js';
import { proposePromptUpdate } from '../../lib/governance.js';

const run = promisify(execFile);
const config = testConfig();
const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');

/** The README's fenced blocks of one language, so the documented commands are the ones tested. */
function blocks(language: string): string[] {
  return [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

let workers: TestWorkers;
let db: pg.Client;

describe('README runbook commands, run as documented', () => {
  before(async () => {
    await requireServices(config);
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
    db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
  });
  after(async () => {
    await workers?.close();
    await db?.end();
  });

  it('budget runbook SQL works verbatim in psql terms, and is recorded', async () => {
    const sql = blocks('sql').filter((b) => b.includes('budget_'));
    assert.ok(sql.length >= 1, 'the README documents the budget runbook in SQL');
    const tenant = uniqueId('runbook').toLowerCase();
    await db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, 1000)', [tenant]);
    for (const block of sql) await db.query(block.replaceAll("'tenant-123'", `'${tenant}'`));
    const { rows } = await db.query('SELECT total_limit::int FROM budget_status WHERE tenant_id = $1', [tenant]);
    assert.deepEqual(rows, [{ total_limit: 2_000_000 }]);
    const changes = await db.query('SELECT old_limit::int, new_limit::int FROM budget_limit_changes WHERE tenant_id = $1 ORDER BY id', [tenant]);
    assert.deepEqual(changes.rows.at(-1), { old_limit: 1_000, new_limit: 2_000_000 });
  });

  it('learning governance runbook SQL runs verbatim through psql and does what it says', async () => {
    const block = blocks('sql').find((b) => b.includes('approve_prompt_update'));
    assert.ok(block, 'the README documents the governance runbook in SQL');
    await resetRole(workers.db, 'security');
    await resetRole(workers.db, 'developer');
    const updateId = uniqueId('pu');
    await proposePromptUpdate(workers.db, { updateId, agentRole: 'security', body: 'Check licences too.', reason: 'runbook test', source: 'operator', proposedBy: 'runbook' }, 600);
    // A developer update inside its cooldown: the state the runbook's reset is for.
    await proposePromptUpdate(workers.db, { updateId: uniqueId('pu'), agentRole: 'developer', body: 'Name things well.', reason: 'runbook test', source: 'operator', proposedBy: 'runbook' }, 600);
    const { stdout } = await run('psql', [config.DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-X', '-c', block.replaceAll("'pu-example-1'", `'${updateId}'`)], { timeout: 30_000 });
    assert.match(stdout, /agent_role\s*\|\s*updates_today/, 'governance_status is shown');
    assert.match(stdout, /can_auto_update_prompt\s*\n-+\n\s*f\b/, 'the developer is inside its cooldown');
    assert.match(stdout, /security\s*\|\s*1\s*\|/, 'the pending approval is counted');
    assert.match(stdout, /approve_prompt_update\s*\n-+\n\s*applied\b/, 'the approval applies the update');
    assert.match(stdout, /UPDATE 1/);
    const { rows } = await db.query<{ ok: boolean }>("SELECT can_auto_update_prompt('developer') AS ok");
    assert.equal(rows[0]!.ok, true, 'the cooldown reset lets the developer learn again');
    await resetRole(workers.db, 'security');
    await resetRole(workers.db, 'developer');
  });

  it('the temporal CLI start and list commands start and find a task', async () => {
    const commands = blocks('bash').find((b) => b.includes('temporal workflow start'));
    assert.ok(commands, 'the README documents starting a task with the temporal CLI');
    const taskId = uniqueId('readme');
    const tenant = uniqueId('acme').toLowerCase();
    const script = commands
      .replace(/^temporal /gm, `"$TEMPORAL_CLI" `)
      .replaceAll('--task-queue orchestrator', `--task-queue ${taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX)}`)
      .replaceAll('task-demo1', `task-${taskId}`)
      .replaceAll('acme', tenant);
    const [start, list] = script.split(/\n(?=")/);
    const env = { ...process.env, TEMPORAL_CLI: config.TEMPORAL_CLI, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS };
    await run('bash', ['-euo', 'pipefail', '-c', start!], { env, timeout: 60_000 });
    const listed = await waitFor(
      'the task to be listed as completed for its tenant',
      async () => {
        const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', list!], { env, timeout: 60_000 });
        return stdout.includes(`task-${taskId}`) ? stdout : undefined;
      },
      60_000,
      500,
    );
    assert.match(listed, /Completed/);
  });
});
