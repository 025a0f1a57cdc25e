import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { taskIdFromWorkflowId, taskWorkflowId } from '../../domain/workflow-ids.js';
import { taskQueueName } from '../../domain/task-queues.js';

describe('workflow ids', () => {
  it('round-trips task ids', () => {
    assert.equal(taskWorkflowId('demo1'), 'task-demo1');
    assert.equal(taskIdFromWorkflowId('task-demo1'), 'demo1');
  });

  it('rejects ids that are not task-<id>', () => {
    assert.equal(taskIdFromWorkflowId('demo1'), undefined);
    assert.equal(taskIdFromWorkflowId('task-'), undefined);
    assert.equal(taskIdFromWorkflowId('task-a b'), undefined);
  });

  it('prefixes task queues', () => {
    assert.equal(taskQueueName('orchestrator'), 'orchestrator');
    assert.equal(taskQueueName('sandbox', 't1-'), 't1-sandbox');
  });
});

describe('sibling task queues', () => {
  it('keeps the prefix of the current queue', async () => {
    const { siblingTaskQueue } = await import('../../domain/task-queues.js');
    assert.equal(siblingTaskQueue('orchestrator', 'sandbox'), 'sandbox');
    assert.equal(siblingTaskQueue('t1-orchestrator', 'sandbox'), 't1-sandbox');
    assert.equal(siblingTaskQueue('x-peer-hub', 'supervisor'), 'x-supervisor');
    assert.throws(() => siblingTaskQueue('elsewhere', 'sandbox'), /not one of/);
  });
});
