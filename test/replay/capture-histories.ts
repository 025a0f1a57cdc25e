import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import proto from '@temporalio/proto';
const { temporal } = proto;
import type { Client, WorkflowHandle } from '@temporalio/client';
import { taskQueueName } from '../../domain/task-queues.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { projectRoot } from '../../lib/paths.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { redriveUpdate, resolveEscalationUpdate, taskProgressQuery } from '../../workflows/messages.js';
import { waitFor } from '../support/processes.js';
import { testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers } from '../support/workers.js';
import { REPLAY_PAYLOAD_KEYS } from './replay-key.js';

/**
 * Captures workflow histories from real runs of the current code (scripted
 * LLM, real sandbox) into test/replay/histories/<version>/, for the replay
 * test: run it after a workflow change is released, with the next version
 * name (`node dist/test/replay/capture-histories.js v2`), and commit the files.
 */
const version = process.argv[2];
if (!version || !/^v\d+$/.test(version)) {
  console.error('usage: node dist/test/replay/capture-histories.js v<N>   (the history set to write, e.g. v1)');
  process.exit(2);
}

const config = testConfig({ PAYLOAD_ENCRYPTION_KEYS: REPLAY_PAYLOAD_KEYS, ESCALATION_DEADLINE_SECONDS: '300' });
const workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
const client: Client = await connectClient(config);
const out = join(projectRoot(), 'test', 'replay', 'histories', version);
await mkdir(out, { recursive: true });

async function tenant(limit: number): Promise<string> {
  const id = uniqueId('replay').toLowerCase();
  await workers.db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2)', [id, limit]);
  return id;
}

async function start(name: string, description: string, tenantId: string): Promise<WorkflowHandle<typeof TaskWorkflow>> {
  return client.workflow.start(TaskWorkflow, {
    taskQueue: taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX),
    workflowId: `task-${uniqueId(name)}`,
    args: [{ title: 'FizzBuzz', description, language: 'python', tenantId, requestedBy: 'replay-capture' }],
  });
}

// Workflow code reads its own id (task-<id>, escalation-<task>-<n>): the replay needs the original ones.
const manifest: Record<string, string> = {};

async function save(name: string, workflowId: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await writeFile(join(out, `${name}.history.pb`), temporal.api.history.v1.History.encode(history).finish());
  manifest[`${name}.history.pb`] = workflowId;
  await writeFile(join(out, 'workflow-ids.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`captured ${name} (${history.events?.length ?? 0} events) from ${workflowId}`);
}

try {
  const rich = await tenant(5_000_000);
  // Auto-fix on the way: failing tests fixed, then reviewed and approved.
  const autoFix = await start('autofix', 'Write fizzbuzz(n). scripted-develop: failing-tests', rich);
  // Review vetoed by security → escalation resolved by a human.
  const escalated = await start('escalated', 'Write fizzbuzz(n). scripted-vote: security=reject', rich);
  await autoFix.result();
  await save('task-auto-fix', autoFix.workflowId);
  await save('peer-review', `review-${autoFix.workflowId.slice(5)}-1`);

  const escalationId = `escalation-${escalated.workflowId.slice(5)}-1`;
  await waitFor('the escalation to wait for a human', async () => {
    const { rows } = await workers.db.query<{ status: string }>('SELECT status FROM escalations WHERE id = $1', [escalationId]);
    return rows[0]?.status === 'awaiting_human' ? true : undefined;
  }, 120_000);
  await client.workflow.getHandle(escalationId).executeUpdate(resolveEscalationUpdate, { args: [{ action: 'accept', comment: 'checked by hand', decidedBy: 'replay-capture' }] });
  await escalated.result();
  await save('task-escalated', escalated.workflowId);
  await save('escalation-human', escalationId);

  // A dead letter (budget exhausted), re-driven after the limit is raised.
  const poor = await tenant(100);
  const parked = await start('deadletter', 'Write fizzbuzz(n).', poor);
  const progress = await waitFor('the dead letter', async () => {
    const p = await parked.query(taskProgressQuery);
    return p.status === 'dead_lettered' ? p : undefined;
  }, 60_000);
  await workers.db.query('UPDATE budget_limits SET total_limit = 5000000 WHERE tenant_id = $1', [poor]);
  await parked.executeUpdate(redriveUpdate, { args: [{ deadLetterId: progress.deadLetterId!, by: 'replay-capture' }] });
  await parked.result();
  await save('task-dead-letter-redriven', parked.workflowId);
} finally {
  await workers.close();
  await client.connection.close();
}
