import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { asActivityFailure } from '../../activities/activity-failures.js';
import { BreakerRegistry, CircuitOpenError } from '../../lib/circuit-breaker.js';
import { createLlmProvider, LlmProviderError, type LlmConfig } from '../../lib/llm/index.js';
import { FakeLlmServer, openAiCompletion, openAiError } from '../support/fake-llm-server.js';

const request = { role: 'developer' as const, system: 'Answer in JSON.', prompt: 'p', maxTokens: 100 };

let server: FakeLlmServer;
let now = 0;
let breakers: BreakerRegistry;

function provider() {
  const config: LlmConfig = {
    LLM_PROVIDER: 'openai',
    SCRIPTED_LLM_LATENCY_MS: 0,
    LLM_BASE_URL: server.baseUrl,
    LLM_API_KEY: undefined,
    LLM_MODEL: 'test-model',
    LLM_TIMEOUT_MS: 5_000,
    LLM_JSON_MODE: true,
  };
  return createLlmProvider(config, breakers);
}

describe('LLM endpoint behind its circuit breaker', () => {
  before(async () => {
    server = await FakeLlmServer.start();
  });
  after(async () => server?.close());
  beforeEach(() => {
    server.reset();
    now = 1_000_000;
    breakers = new BreakerRegistry(() => now);
  });

  it('opens after five endpoint failures, then fails fast with the remaining open time for the workflow to wait', async () => {
    const llm = provider();
    server.reply(...Array.from({ length: 5 }, () => openAiError(500, 'upstream broke')));
    for (let i = 0; i < 5; i += 1) await assert.rejects(llm.complete(request), LlmProviderError);
    const requestsSoFar = server.requests.length;

    now += 10_000;
    const open = await llm.complete(request).catch((err: unknown) => err);
    assert.ok(open instanceof CircuitOpenError);
    assert.equal(server.requests.length, requestsSoFar, 'an open breaker does not call the endpoint');
    const failure = asActivityFailure(open);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'CircuitOpenError');
    assert.equal(failure.nonRetryable, true, 'a wait, not an attempt');
    assert.deepEqual(failure.details, [{ on: `breaker ${open.breaker}`, retryAfterMs: 20_000 }]);

    // After the open period one trial goes through; its success closes the breaker.
    now += 20_000;
    server.reply({ kind: 'json', body: openAiCompletion('{"ok":true}') });
    assert.equal((await llm.complete(request)).text, '{"ok":true}');
    assert.equal(breakers.all().find((b) => b.name.startsWith('llm:openai:'))?.state, 'CLOSED');
  });

  it('does not count the caller’s own mistakes (4xx) against the endpoint', async () => {
    const llm = provider();
    server.reply(...Array.from({ length: 6 }, () => openAiError(400, 'bad request')));
    for (let i = 0; i < 6; i += 1) {
      const err = await llm.complete(request).catch((e: unknown) => e);
      assert.ok(err instanceof LlmProviderError && !err.retryable);
      const failure = asActivityFailure(err) as ApplicationFailure;
      assert.equal(failure.type, 'LlmProviderError');
      assert.equal(failure.nonRetryable, true);
    }
    assert.equal(breakers.all()[0]?.state, 'CLOSED');
  });

  it('hands a rate limit’s retry-after to the workflow as a wait, not an attempt', async () => {
    server.reply(openAiError(429, 'slow down', { 'retry-after': '7' }));
    const err = await provider().complete(request).catch((e: unknown) => e);
    const failure = asActivityFailure(err) as ApplicationFailure;
    assert.equal(failure.type, 'LlmRateLimitedError');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, [{ on: 'provider openai', retryAfterMs: 7_000 }]);
  });
});
