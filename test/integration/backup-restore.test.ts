import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { taskQueueName } from '../../domain/task-queues.js';
import { ConfigSchema, loadConfig, type Config } from '../../lib/config.js';
import { readEnvFile } from '../../lib/env-file.js';
import { projectRoot } from '../../lib/paths.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { ensureSchedules } from '../../workers/schedules.js';
import { BackupWorkflow, TaskWorkflow } from '../../workflows/index.js';
import { resolveEscalationUpdate } from '../../workflows/messages.js';
import { runNode, type CliResult } from '../support/cli.js';
import { waitFor } from '../support/processes.js';
import { uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const QUEUES = ['orchestrator', 'peer-hub', 'supervisor', 'sandbox'] as const;

// The shared stack's Docker serves the scratch stacks too (it already has the sandbox image): no second dockerd.
const sharedDocker = readEnvFile(join(projectRoot(), '.data', 'stack.env')).DOCKER_HOST;
// Nothing of the shared stack's configuration may leak into the scratch stack's processes.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in ConfigSchema.shape) && k !== 'GOLDEN_DATA_DIR' && k !== 'GOLDEN_ENV_FILE'));

const scratchRoot = mkdtempSync(join(tmpdir(), 'golden-backup-'));
const firstDir = join(scratchRoot, 'first');
const restoredDir = join(scratchRoot, 'restored');
const target = join(scratchRoot, 'backups');

function goldenIn(dataDir: string, args: string[], extra: Record<string, string> = {}, timeoutMs = 600_000): Promise<CliResult> {
  const env = { ...baseEnv, GOLDEN_DATA_DIR: dataDir, BACKUP_TARGET: target, ...(sharedDocker ? { DOCKER_HOST: sharedDocker } : {}), ...extra };
  return runNode(join('cli', 'golden.js'), args, env, timeoutMs);
}

async function ok(dataDir: string, args: string[], extra?: Record<string, string>): Promise<string> {
  const res = await goldenIn(dataDir, args, extra);
  assert.equal(res.code, 0, `golden ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

function scratchConfig(dataDir: string, prefix: string): Config {
  return loadConfig({ GOLDEN_DATA_DIR: dataDir, TEMPORAL_TASK_QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', ESCALATION_DEADLINE_SECONDS: '3600', ...(sharedDocker ? { DOCKER_HOST: sharedDocker } : {}) });
}

async function budgetRows(workers: TestWorkers, tenantId: string): Promise<unknown[]> {
  const limits = await workers.db.query('SELECT tenant_id, total_limit::text, reserved::text, committed::text, period FROM budget_limits WHERE tenant_id = $1', [tenantId]);
  const usage = await workers.db.query('SELECT count(*)::int AS n, coalesce(sum(tokens), 0)::text AS tokens FROM budget_usage WHERE tenant_id = $1', [tenantId]);
  return [...limits.rows, ...usage.rows];
}

async function escalationStatus(workers: TestWorkers, id: string): Promise<string | undefined> {
  const { rows } = await workers.db.query<{ status: string }>('SELECT status FROM escalations WHERE id = $1', [id]);
  return rows[0]?.status;
}

describe('golden backup and golden restore (a scratch stack of its own)', () => {
  let workers: TestWorkers | undefined;
  let client: Client | undefined;

  after(async () => {
    await workers?.close().catch(() => undefined);
    await client?.connection.close().catch(() => undefined);
    for (const dir of [restoredDir, firstDir]) if (existsSync(dir)) await goldenIn(dir, ['stack', 'down', '--purge']);
    rmSync(scratchRoot, { recursive: true, force: true });
  });

  it('in-flight workflows and budgets survive backup → purge → restore into a fresh data dir', { timeout: 40 * 60_000 }, async () => {
    await ok(firstDir, ['stack', 'up', '--services-only']);
    // The in-process workers' runBackup reads the stack and the target the way a worker beside the stack does: from its environment.
    process.env.GOLDEN_DATA_DIR = firstDir;
    process.env.BACKUP_TARGET = target;
    const prefix = `${uniqueId('br')}-`;
    const config = scratchConfig(firstDir, prefix);
    workers = await createTestWorkers(config, [...QUEUES]);
    client = await connectClient(config);

    const tenantId = uniqueId('backup').toLowerCase();
    await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [tenantId, 5_000_000]);
    const tasks = [1, 2].map(() => {
      const taskId = uniqueId('task');
      const workflowId = `task-${taskId}`;
      void client!.workflow.start(TaskWorkflow, {
        taskQueue: taskQueueName('orchestrator', prefix),
        workflowId,
        args: [{ title: 'FizzBuzz', description: 'Write fizzbuzz(n). scripted-vote: security=reject', language: 'python', tenantId, requestedBy: 'backup-test' }],
      });
      return { workflowId, escalationId: `escalation-${taskId}-1` };
    });
    for (const t of tasks) {
      await waitFor(`${t.escalationId} to wait for a human`, async () => ((await escalationStatus(workers!, t.escalationId)) === 'awaiting_human' ? true : undefined), 180_000);
    }
    const budgetsBefore = await budgetRows(workers, tenantId);

    const ids = await ensureSchedules(client, config);
    assert.deepEqual(await ensureSchedules(client, config), ids, 'a second call updates instead of failing');
    const daily = await client.schedule.getHandle(`${prefix}backup`).describe();
    assert.equal(daily.action.type === 'startWorkflow' && daily.action.workflowType, 'BackupWorkflow');
    assert.equal(daily.spec.intervals?.[0]?.every, 86_400_000);
    for (const id of ids) await client.schedule.getHandle(id).delete();
    // What the schedule starts each day, run once now: the first of two backups.
    const scheduled = await client.workflow.execute(BackupWorkflow, { taskQueue: taskQueueName('orchestrator', prefix), workflowId: uniqueId('backup') });
    assert.ok(scheduled.bytes > 0 && scheduled.files >= 4, JSON.stringify(scheduled));
    await workers.close();
    workers = undefined;
    await client.connection.close();
    client = undefined;

    const inside = await goldenIn(firstDir, ['backup'], { BACKUP_TARGET: join(firstDir, 'backups') });
    assert.equal(inside.code, 1, inside.stdout);
    assert.match(inside.stderr, /is inside the stack's data dir/);

    const backupStarted = Date.now();
    const created = await ok(firstDir, ['backup'], { BACKUP_RETENTION: '1' });
    const backupMs = Date.now() - backupStarted;
    assert.match(created, /removed golden-/, 'retention 1 removes the older backup');
    assert.equal(existsSync(scheduled.dir), false);
    const listed = JSON.parse(await ok(firstDir, ['backup', 'list', '--json'])) as Array<{ dir: string; bytes: number }>;
    assert.equal(listed.length, 1);
    const backup = listed[0]!;

    await ok(firstDir, ['stack', 'down', '--purge']);
    assert.equal(existsSync(firstDir), false);

    const restoreStarted = Date.now();
    await ok(restoredDir, ['restore', backup.dir, '--services-only']);
    const restoreMs = Date.now() - restoreStarted;
    const refused = await goldenIn(restoredDir, ['restore', backup.dir, '--services-only']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is running .*--force/);

    const restored = scratchConfig(restoredDir, prefix);
    workers = await createTestWorkers(restored, [...QUEUES]);
    client = await connectClient(restored);
    assert.deepEqual(await budgetRows(workers, tenantId), budgetsBefore, 'budgets as they were at the backup');
    for (const t of tasks) {
      assert.equal(await escalationStatus(workers, t.escalationId), 'awaiting_human');
      await client.workflow.getHandle(t.escalationId).executeUpdate(resolveEscalationUpdate, { args: [{ action: 'accept', comment: 'accepted after the restore', decidedBy: 'ops' }] });
    }
    for (const t of tasks) {
      const result = (await client.workflow.getHandle(t.workflowId).result()) as { status: string };
      assert.equal(result.status, 'completed', `${t.workflowId} finishes after the restore`);
    }
    console.log(`backup: ${(backup.bytes / 1024 / 1024).toFixed(2)} MB in ${backupMs} ms; restore (with stack up --services-only) in ${restoreMs} ms`);
  });
});
