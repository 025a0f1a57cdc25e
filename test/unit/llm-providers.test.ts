import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from '../../domain/failures.js';
import { ConfigError, loadConfigSubset } from '../../lib/config.js';
import { AnthropicProvider } from '../../lib/llm/anthropic-provider.js';
import { LlmProviderError, parseRetryAfter, toActivityFailure } from '../../lib/llm/errors.js';
import { createLlmProvider, LLM_CONFIG_KEYS, type LlmConfig } from '../../lib/llm/index.js';
import { OpenAiCompatibleProvider } from '../../lib/llm/openai-compatible-provider.js';
import type { LlmProvider, LlmRequest } from '../../lib/llm/provider.js';
import { ScriptedProvider } from '../../lib/llm/scripted-provider.js';
import {
  anthropicError,
  anthropicMessage,
  FakeLlmServer,
  openAiCompletion,
  openAiError,
  type FakeReply,
} from '../support/fake-llm-server.js';

const request: LlmRequest = { role: 'developer', system: 'You write code. Answer in JSON.', prompt: 'Write FizzBuzz.', maxTokens: 321 };

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start();
});
after(() => server.close());
beforeEach(() => server.reset());

function openai(overrides: Partial<ConstructorParameters<typeof OpenAiCompatibleProvider>[0]> = {}): OpenAiCompatibleProvider {
  return new OpenAiCompatibleProvider({ baseUrl: `${server.baseUrl}/v1`, apiKey: 'sk-test', model: 'gpt-4o-mini', timeoutMs: 2000, jsonMode: true, ...overrides });
}

function anthropic(overrides: Partial<ConstructorParameters<typeof AnthropicProvider>[0]> = {}): AnthropicProvider {
  return new AnthropicProvider({ baseUrl: server.baseUrl, apiKey: 'sk-ant-test', model: 'claude-sonnet-4-5', timeoutMs: 2000, ...overrides });
}

/** Awaits a rejection and returns it as an LlmProviderError, failing on anything else. */
async function providerError(promise: Promise<unknown>): Promise<LlmProviderError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LlmProviderError, `expected LlmProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('OpenAI-compatible provider', () => {
  it('posts the chat-completions shape and reads text, usage and model', async () => {
    server.reply({ kind: 'json', body: openAiCompletion('{"files":[]}', { promptTokens: 40, completionTokens: 5 }) });
    const answer = await openai().complete(request);
    assert.deepEqual(answer, {
      text: '{"files":[]}',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 40, completionTokens: 5 },
    });
    assert.deepEqual(JSON.parse(answer.text), { files: [] });
    const [sent] = server.requests;
    assert.equal(sent?.method, 'POST');
    assert.equal(sent?.path, '/v1/chat/completions');
    assert.equal(sent?.headers.authorization, 'Bearer sk-test');
    assert.equal(sent?.headers['content-type'], 'application/json');
    assert.deepEqual(sent?.body, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.prompt },
      ],
      max_tokens: 321,
      response_format: { type: 'json_object' },
    });
  });

  it('sends no key and no response_format when none is configured (Ollama, vLLM)', async () => {
    server.reply({ kind: 'json', body: openAiCompletion('plain text', { model: 'llama3.1:8b' }) });
    const answer = await openai({ baseUrl: `${server.baseUrl}/v1/`, apiKey: undefined, jsonMode: false, model: 'llama3.1:8b' }).complete(request);
    assert.equal(answer.text, 'plain text');
    assert.equal(answer.model, 'llama3.1:8b');
    const [sent] = server.requests;
    assert.equal(sent?.path, '/v1/chat/completions');
    assert.equal(sent?.headers.authorization, undefined);
    assert.equal((sent?.body as Record<string, unknown>).response_format, undefined);
  });

  it('treats an answer without text as retryable', async () => {
    server.reply({ kind: 'json', body: openAiCompletion(null) });
    const err = await providerError(openai().complete(request));
    assert.equal(err.retryable, true);
    assert.match(err.message, /no text \(finish_reason: stop\)/);
  });

  it('honours retry-after-ms over retry-after', async () => {
    server.reply(openAiError(429, 'Rate limit reached', { 'retry-after': '2', 'retry-after-ms': '1234' }));
    const err = await providerError(openai().complete(request));
    assert.equal(err.retryAfterMs, 1234);
  });
});

describe('Anthropic provider', () => {
  it('posts the Messages API shape and reads text blocks, usage and model', async () => {
    server.reply({
      kind: 'json',
      body: anthropicMessage(
        [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: '{"files":' },
          { type: 'text', text: '[]}' },
        ],
        { inputTokens: 50, outputTokens: 8 },
      ),
    });
    const answer = await anthropic().complete(request);
    assert.deepEqual(answer, {
      text: '{"files":[]}',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      usage: { promptTokens: 50, completionTokens: 8 },
    });
    const [sent] = server.requests;
    assert.equal(sent?.method, 'POST');
    assert.equal(sent?.path, '/v1/messages');
    assert.equal(sent?.headers['x-api-key'], 'sk-ant-test');
    assert.equal(sent?.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent?.headers.authorization, undefined);
    assert.deepEqual(sent?.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 321,
      system: request.system,
      messages: [{ role: 'user', content: request.prompt }],
    });
  });

  it('treats an answer without text blocks as retryable and names the stop reason', async () => {
    server.reply({ kind: 'json', body: anthropicMessage([], { stopReason: 'refusal' }) });
    const err = await providerError(anthropic().complete(request));
    assert.equal(err.retryable, true);
    assert.match(err.message, /no text \(stop_reason: refusal\)/);
  });
});

const providers: Array<{ name: string; make: (timeoutMs?: number) => LlmProvider; error: typeof openAiError; valid: () => unknown }> = [
  { name: 'openai', make: (timeoutMs) => openai(timeoutMs ? { timeoutMs } : {}), error: openAiError, valid: () => openAiCompletion('x') },
  {
    name: 'anthropic',
    make: (timeoutMs) => anthropic(timeoutMs ? { timeoutMs } : {}),
    error: anthropicError,
    valid: () => anthropicMessage([{ type: 'text', text: 'x' }]),
  },
];

for (const { name, make, error, valid } of providers) {
  describe(`${name} provider errors`, () => {
    it('429 is retryable after retry-after seconds', async () => {
      server.reply(error(429, 'Rate limit reached', { 'retry-after': '2' }));
      const err = await providerError(make().complete(request));
      assert.equal(err.provider, name);
      assert.equal(err.status, 429);
      assert.equal(err.retryable, true);
      assert.equal(err.retryAfterMs, 2000);
      assert.match(err.message, /HTTP 429: Rate limit reached/);
    });

    it('503 is retryable after a retry-after HTTP date', async () => {
      server.reply(error(503, 'Service unavailable', { 'retry-after': new Date(Date.now() + 5000).toUTCString() }));
      const err = await providerError(make().complete(request));
      assert.equal(err.status, 503);
      assert.equal(err.retryable, true);
      assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 3000 && err.retryAfterMs <= 5000, `retryAfterMs ${err.retryAfterMs}`);
    });

    it('500 and 529 are retryable without a delay hint', async () => {
      for (const status of [500, 529]) {
        server.reply(error(status, 'Internal error'));
        const err = await providerError(make().complete(request));
        assert.deepEqual([err.status, err.retryable, err.retryAfterMs], [status, true, undefined]);
      }
    });

    it('400, 401, 403, 404 and 422 are not retryable', async () => {
      for (const status of [400, 401, 403, 404, 422]) {
        server.reply(error(status, `refused with ${status}`, { 'retry-after': '1' }));
        const err = await providerError(make().complete(request));
        assert.deepEqual([err.status, err.retryable, err.retryAfterMs], [status, false, undefined]);
        assert.match(err.message, new RegExp(`HTTP ${status}: refused with ${status}`));
      }
    });

    it('a server that does not answer times out, retryably', async () => {
      server.reply({ kind: 'hang' });
      const started = Date.now();
      const err = await providerError(make(150).complete(request));
      assert.equal(err.retryable, true);
      assert.equal(err.status, undefined);
      assert.match(err.message, /did not answer within 150 ms/);
      assert.ok(Date.now() - started < 1500);
    });

    it("the caller's abort is rethrown as is, not as a provider error", async () => {
      server.reply({ kind: 'hang' });
      const controller = new AbortController();
      const reason = new Error('activity cancelled');
      setTimeout(() => controller.abort(reason), 50);
      await assert.rejects(make().complete(request, controller.signal), (err) => err === reason);
    });

    it('a truncated body is retryable and says so', async () => {
      server.reply({ kind: 'truncated', body: valid() });
      const err = await providerError(make().complete(request));
      assert.equal(err.retryable, true);
      assert.equal(err.status, 200);
      assert.match(err.message, /not valid JSON \(truncated\?\)/);
    });

    it('a connection dropped mid-body is retryable', async () => {
      server.reply({ kind: 'cut', body: valid() });
      const err = await providerError(make().complete(request));
      assert.equal(err.retryable, true);
      assert.match(err.message, /failed/);
    });

    it('an answer missing fields is retryable and names them', async () => {
      const body = valid() as Record<string, unknown>;
      delete body.usage;
      server.reply({ kind: 'json', body } satisfies FakeReply);
      const err = await providerError(make().complete(request));
      assert.equal(err.retryable, true);
      assert.match(err.message, /does not have the expected shape: usage:/);
    });

    it('an unreachable server is retryable', async () => {
      const port = await closedPort();
      const provider =
        name === 'openai'
          ? openai({ baseUrl: `http://127.0.0.1:${port}/v1` })
          : anthropic({ baseUrl: `http://127.0.0.1:${port}` });
      const err = await providerError(provider.complete(request));
      assert.equal(err.retryable, true);
      assert.match(err.message, /ECONNREFUSED/);
    });
  });
}

describe('retry-after and activity failures', () => {
  it('reads retry-after as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('1.5', now), 1500);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('maps a retryable error to a retryable failure with its delay', () => {
    const failure = toActivityFailure(new LlmProviderError('overloaded', { provider: 'openai', retryable: true, status: 503, retryAfterMs: 2000 }));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'LlmProviderError');
    assert.equal(failure.message, 'overloaded');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 2000);
    assert.deepEqual(failure.details, [{ provider: 'openai', status: 503 }]);
  });

  it('maps a rate limit (429) to a wait for the workflow, spending no attempt', () => {
    const failure = toActivityFailure(new LlmProviderError('rate limited', { provider: 'openai', retryable: true, status: 429, retryAfterMs: 2000 }));
    assert.equal(failure.type, 'LlmRateLimitedError');
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.nextRetryDelay, undefined);
    assert.deepEqual(failure.details, [{ on: 'provider openai', retryAfterMs: 2000 }]);
    const bare = toActivityFailure(new LlmProviderError('rate limited', { provider: 'anthropic', retryable: true, status: 429 }));
    assert.deepEqual(bare.details, [{ on: 'provider anthropic' }], 'no retry-after: the workflow waits its default');
  });

  it('maps a permanent error to a non-retryable failure', () => {
    const failure = toActivityFailure(new LlmProviderError('bad key', { provider: 'anthropic', retryable: false, status: 401 }));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.nextRetryDelay, undefined);
  });

  it('keeps the type retryable, so each failure decides', () => {
    assert.equal(FAILURE_TYPES.LlmProviderError.retryable, true);
    assert.ok(!NON_RETRYABLE_FAILURE_TYPES.includes('LlmProviderError'));
  });
});

describe('createLlmProvider', () => {
  const env = { GOLDEN_ENV_FILE: '/nonexistent/stack.env' };
  const config = (vars: Record<string, string> = {}): LlmConfig => loadConfigSubset(LLM_CONFIG_KEYS, { ...env, ...vars });

  it('reads the LLM variables with their defaults', () => {
    const c = config({ LLM_PROVIDER: 'openai', LLM_JSON_MODE: 'false', LLM_BASE_URL: '' });
    assert.deepEqual(
      [c.LLM_PROVIDER, c.LLM_BASE_URL, c.LLM_API_KEY, c.LLM_MODEL, c.LLM_TIMEOUT_MS, c.LLM_JSON_MODE],
      ['openai', undefined, undefined, undefined, 60_000, false],
    );
    assert.throws(() => config({ LLM_PROVIDER: 'gemini' }), /LLM_PROVIDER/);
    assert.throws(() => config({ LLM_BASE_URL: 'not a url' }), /LLM_BASE_URL: must be a URL/);
  });

  it('builds the scripted stand-in by default', () => {
    assert.ok(createLlmProvider(config()) instanceof ScriptedProvider);
  });

  it('requires a key for anthropic and for OpenAI itself, not for local servers', () => {
    const needKey: Array<Record<string, string>> = [{ LLM_PROVIDER: 'anthropic' }, { LLM_PROVIDER: 'openai' }, { LLM_PROVIDER: 'openai', LLM_BASE_URL: 'https://api.openai.com/v1/' }];
    for (const vars of needKey) {
      assert.throws(
        () => createLlmProvider(config(vars)),
        (err: unknown) => err instanceof ConfigError && err.problems[0]?.variable === 'LLM_API_KEY',
      );
    }
    assert.ok(createLlmProvider(config({ LLM_PROVIDER: 'openai', LLM_BASE_URL: 'http://127.0.0.1:11434/v1' })) instanceof OpenAiCompatibleProvider);
    assert.ok(createLlmProvider(config({ LLM_PROVIDER: 'anthropic', LLM_API_KEY: 'k' })) instanceof AnthropicProvider);
  });

  it('picks a default model per provider', async () => {
    server.reply({ kind: 'json', body: openAiCompletion('x') }, { kind: 'json', body: anthropicMessage([{ type: 'text', text: 'x' }]) });
    await createLlmProvider(config({ LLM_PROVIDER: 'openai', LLM_BASE_URL: `${server.baseUrl}/v1` })).complete(request);
    await createLlmProvider(config({ LLM_PROVIDER: 'anthropic', LLM_BASE_URL: server.baseUrl, LLM_API_KEY: 'k' })).complete(request);
    assert.deepEqual(
      server.requests.map((r) => (r.body as { model: string }).model),
      ['gpt-4o-mini', 'claude-sonnet-4-5'],
    );
  });
});
