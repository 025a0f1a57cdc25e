import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURABLE_WAIT, isWaitFailureType, nextWaitMs, readWaitAdvice } from '../../domain/durable-waits.js';

describe('durable waits', () => {
  it('knows which failure types are waits', () => {
    assert.ok(isWaitFailureType('CircuitOpenError'));
    assert.ok(isWaitFailureType('LlmRateLimitedError'));
    assert.ok(!isWaitFailureType('LlmProviderError'));
    assert.ok(!isWaitFailureType(undefined));
    assert.ok(!isWaitFailureType(null));
  });

  it('reads the advice from the first detail, and falls back to the type without a readable one', () => {
    assert.deepEqual(readWaitAdvice('CircuitOpenError', [{ on: 'breaker postgres', retryAfterMs: 30_000 }]), { on: 'breaker postgres', retryAfterMs: 30_000 });
    assert.deepEqual(readWaitAdvice('CircuitOpenError', undefined), { on: 'CircuitOpenError' });
    assert.deepEqual(readWaitAdvice('LlmRateLimitedError', [{ retryAfterMs: -1 }]), { on: 'LlmRateLimitedError' }, 'a negative delay is not advice');
    assert.deepEqual(readWaitAdvice('LlmRateLimitedError', ['text']), { on: 'LlmRateLimitedError' });
  });

  it('sleeps the advised time within a floor and a ceiling, the default without advice', () => {
    assert.equal(nextWaitMs({ on: 'x', retryAfterMs: 12_345.2 }, 0), 12_346);
    assert.equal(nextWaitMs({ on: 'x', retryAfterMs: 0 }, 0), DURABLE_WAIT.minDelayMs);
    assert.equal(nextWaitMs({ on: 'x', retryAfterMs: 24 * 3_600_000 }, 0), DURABLE_WAIT.maxDelayMs);
    assert.equal(nextWaitMs({ on: 'x' }, 0), DURABLE_WAIT.defaultDelayMs);
  });

  it('stops waiting once the allowance is spent, and never sleeps past it', () => {
    const limits = { minDelayMs: 1_000, maxDelayMs: 60_000, defaultDelayMs: 5_000, maxTotalMs: 10_000 };
    assert.equal(nextWaitMs({ on: 'x', retryAfterMs: 30_000 }, 0, limits), 10_000);
    assert.equal(nextWaitMs({ on: 'x', retryAfterMs: 30_000 }, 8_000, limits), 2_000);
    assert.equal(nextWaitMs({ on: 'x', retryAfterMs: 30_000 }, 10_000, limits), undefined);
    assert.equal(nextWaitMs({ on: 'x' }, 12_000, limits), undefined);
  });
});
