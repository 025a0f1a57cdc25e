import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WAIT_FAILURE_TYPES } from '../../domain/durable-waits.js';
import { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from '../../domain/failures.js';

describe('failure types', () => {
  it('lists exactly the non-retryable types for retry policies', () => {
    assert.deepEqual([...NON_RETRYABLE_FAILURE_TYPES].sort(), [
      'BudgetExceededError',
      'CircuitOpenError',
      'EscalationDeadlineExceeded',
      'GuardBypassError',
      'IdempotencyConflictError',
      'InvalidInputError',
      'LlmAnswerRejectedError',
      'LlmRateLimitedError',
      'NotFoundError',
      'PromptUpdateStateError',
      'ReservationNotFoundError',
      'SandboxContainmentError',
      'SandboxRateLimitWaitExceeded',
      'TaskAbortedError',
      'TaskDiscardedError',
      'TaskEscalationFailedError',
    ]);
  });

  it('keeps transient failures retryable, and waits (open breaker, rate limit) out of the retry policy', () => {
    assert.equal(FAILURE_TYPES.LlmProviderError.retryable, true);
    for (const wait of WAIT_FAILURE_TYPES) assert.equal(FAILURE_TYPES[wait].retryable, false, `${wait} is waited off in the workflow, never an attempt`);
  });
});

describe('innermostMessage', () => {
  it('digs through wrapped causes', async () => {
    const { innermostMessage } = await import('../../domain/error-messages.js');
    const inner = new Error('task row is gone');
    const outer = new Error('activity failed', { cause: new Error('wrapped', { cause: inner }) });
    assert.equal(innermostMessage(outer), 'task row is gone');
    assert.equal(innermostMessage('plain'), 'plain');
  });
});
