import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TASK_QUEUES } from '../../domain/task-queues.js';
import { golden } from '../support/cli.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig();
let workers: TestWorkers;

describe('golden doctor', () => {
  before(async () => {
    await requireServices(config, ['temporal', 'docker']);
    workers = await createTestWorkers(config, [...TASK_QUEUES]);
  });
  after(async () => workers?.close());

  it('finds a worker on every queue and reaches Docker through the sandbox queue', async () => {
    const result = await golden(['doctor'], { TEMPORAL_TASK_QUEUE_PREFIX: config.TEMPORAL_TASK_QUEUE_PREFIX });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    for (const queue of TASK_QUEUES) assert.match(result.stdout, new RegExp(`queue ${config.TEMPORAL_TASK_QUEUE_PREFIX}${queue}`));
    assert.match(result.stdout, /sandbox {2}Docker \d+\.\d+/);
    assert.match(result.stdout, /all checks passed/);
  });

  it('names each queue that has no worker', async () => {
    const prefix = `${uniqueId('nobody')}-`;
    const result = await golden(['doctor'], { TEMPORAL_TASK_QUEUE_PREFIX: prefix });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`no live workflow worker polls task queue ${prefix}orchestrator`));
    assert.match(result.stderr, new RegExp(`no live activity worker polls task queue ${prefix}sandbox`));
  });
});
