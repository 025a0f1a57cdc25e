import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { getTaskRow } from '../../lib/task-store.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';
import { createTestApi, type TestApi } from '../support/api.js';

const run = promisify(execFile);
const config = testConfig();
const taskQueue = taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX);
const tenant = uniqueId('cli').toLowerCase();

async function temporalCommand(args: string[]) {
  return run(config.TEMPORAL_CLI, [...args, '--address', config.TEMPORAL_ADDRESS, '--namespace', config.TEMPORAL_NAMESPACE, '--output', 'json'], { timeout: 60_000 });
}

let workers: TestWorkers;
let api: TestApi;
let codecEndpoint: string;

describe('starting TaskWorkflow with the temporal CLI', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres']);
    workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
    api = await createTestApi(config);
    codecEndpoint = `${await api.app.listen({ host: '127.0.0.1', port: 0 })}/codec`;
  });
  after(async () => {
    await workers?.close();
    await api?.close();
  });

  it('accepts the same plain JSON as the API, writes the task row itself, and shows the result through the codec endpoint', async () => {
    const taskId = uniqueId('demo');
    const input = JSON.stringify({ title: 'FizzBuzz', description: 'from the CLI', language: 'javascript', tenantId: tenant, requestedBy: 'operator' });
    // The result is stored encrypted; the CLI decodes it through the API's codec server, as an admin.
    const codec = ['--codec-endpoint', codecEndpoint, '--codec-auth', `Bearer ${await api.token('admin', tenant)}`];
    const { stdout } = await temporalCommand(['workflow', 'execute', '--type', 'TaskWorkflow', '--task-queue', taskQueue, '--workflow-id', `task-${taskId}`, '--input', input, ...codec]);
    const result = JSON.parse(stdout).result;
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.solution.files, ['fizzbuzz.mjs']);
    const row = await getTaskRow(workers.db, taskId);
    assert.equal(row?.status, 'completed');
    assert.equal(row?.tenant_id, tenant);
  });

  it('fails a malformed --input with a non-retryable error naming the fields', async () => {
    const workflowId = `task-${uniqueId('bad')}`;
    const input = JSON.stringify({ title: 'x', language: 'python', tenantId: 'NOT VALID' });
    await temporalCommand(['workflow', 'execute', '--type', 'TaskWorkflow', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', input]).catch(() => undefined);
    const { stdout } = await temporalCommand(['workflow', 'describe', '--workflow-id', workflowId]);
    const description = JSON.parse(stdout);
    assert.match(JSON.stringify(description), /WORKFLOW_EXECUTION_STATUS_FAILED|"status":\s*"?(Failed|FAILED)/i);
    const { stdout: history } = await temporalCommand(['workflow', 'show', '--workflow-id', workflowId]);
    assert.match(history, /InvalidInputError/);
    assert.match(history, /description/);
    assert.match(history, /tenantId/);
    assert.match(history, /requestedBy/);
  });
});
