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
