import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateTaskBody, TaskWorkflowInput } from '../../domain/schemas/task.js';
import { describeZodError } from '../../domain/validation.js';

const valid = { title: 'FizzBuzz', description: 'Print fizzbuzz', language: 'python' };

describe('task schemas', () => {
  it('accepts a valid body and trims text', () => {
    const parsed = CreateTaskBody.parse({ ...valid, title: '  FizzBuzz  ' });
    assert.equal(parsed.title, 'FizzBuzz');
  });

  it('names every bad field', () => {
    const result = CreateTaskBody.safeParse({ title: '', language: 'cobol' });
    assert.equal(result.success, false);
    const message = describeZodError(result.error!);
    assert.match(message, /title: must not be empty/);
    assert.match(message, /description: /);
    assert.match(message, /language: /);
  });

  it('refuses a tenant in the API body: the tenant comes from the token', () => {
    const result = CreateTaskBody.safeParse({ ...valid, tenantId: 'acme' });
    assert.equal(result.success, false);
    assert.match(describeZodError(result.error!), /tenantId/);
  });

  it('refuses task ids that could not be workflow ids', () => {
    for (const id of ['', '-x', 'a b', 'x'.repeat(65), '../etc']) {
      assert.equal(CreateTaskBody.safeParse({ ...valid, id }).success, false, id);
    }
    assert.equal(CreateTaskBody.safeParse({ ...valid, id: 'demo_1-A' }).success, true);
  });

  it('requires tenant and requester in the workflow input', () => {
    const result = TaskWorkflowInput.safeParse(valid);
    assert.equal(result.success, false);
    const message = describeZodError(result.error!);
    assert.match(message, /tenantId/);
    assert.match(message, /requestedBy/);
    assert.equal(TaskWorkflowInput.safeParse({ ...valid, tenantId: 'acme', requestedBy: 'alice' }).success, true);
  });

  it('rejects tenant ids with uppercase or separators', () => {
    for (const tenantId of ['Acme', 'a/b', '', '-a']) {
      assert.equal(TaskWorkflowInput.safeParse({ ...valid, tenantId, requestedBy: 'x' }).success, false, tenantId);
    }
  });
});
