import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_USAGE_ATTEMPT, ROUNDS_PER_ATTEMPT_STRIDE, usageAttempt } from '../../domain/budget.js';
import { correctionRoundOf, correctivePrompt } from '../../domain/llm/corrective-prompt.js';
import { guardAnswer } from '../../domain/llm/guard-answer.js';
import { costOf } from '../../domain/llm/pricing.js';
import { ConfigError, loadConfigSubset } from '../../lib/config.js';
import { SCRIPTED_MISBEHAVIOURS, misbehave, misbehaviourFromText } from '../../lib/llm/scripted-misbehaviour.js';
import { ScriptedProvider, taskBlock } from '../../lib/llm/scripted-provider.js';

const proper = {
  summary: 'FizzBuzz with tests',
  files: [{ path: 'fizzbuzz.py', content: 'def fizzbuzz(n):\n    return str(n)\n' }],
  tests: [{ path: 'test_fizzbuzz.py', content: 'import unittest\n' }],
};

describe('corrective prompts', () => {
  it('carry the original request, the round and the fenced validator report', () => {
    const prompt = correctivePrompt('Write FizzBuzz.', { reason: 'schema', detail: 'files.0.path: must stay inside the workspace' }, 1, 2);
    assert.ok(prompt.startsWith('Write FizzBuzz.'));
    assert.match(prompt, /<correction round="1" of="2">/);
    assert.match(prompt, /did not match the required format/);
    assert.match(prompt, /<<<UNTRUSTED validator_report>>>\n[^\n]*\nfiles\.0\.path: must stay inside the workspace\n<<<END UNTRUSTED validator_report>>>/);
    assert.equal(correctionRoundOf(prompt), 1);
    assert.equal(correctionRoundOf('Write FizzBuzz.'), 0);
  });

  it('cap what the model sent back, so a huge rejection cannot grow the prompt', () => {
    const prompt = correctivePrompt('p', { reason: 'schema', detail: 'x'.repeat(50_000) }, 1, 1);
    assert.ok(prompt.length < 2_000, `prompt is ${prompt.length} characters`);
  });
});

describe('usage keys of answer rounds', () => {
  it('give every round of every attempt its own ledger key, first answer of first attempt = 1', () => {
    assert.equal(usageAttempt(1, 0), 1);
    assert.equal(usageAttempt(1, 2), 3);
    assert.equal(usageAttempt(2, 0), ROUNDS_PER_ATTEMPT_STRIDE + 1);
    const keys = new Set<number>();
    for (let attempt = 1; attempt <= 5; attempt += 1) for (let round = 0; round <= 10; round += 1) keys.add(usageAttempt(attempt, round));
    assert.equal(keys.size, 55);
  });

  it('refuse rounds and attempts outside the ledger’s range', () => {
    assert.throws(() => usageAttempt(1, ROUNDS_PER_ATTEMPT_STRIDE), RangeError);
    assert.throws(() => usageAttempt(1, -1), RangeError);
    assert.throws(() => usageAttempt(0, 0), RangeError);
    assert.throws(() => usageAttempt(MAX_USAGE_ATTEMPT / ROUNDS_PER_ATTEMPT_STRIDE + 1, 0), RangeError);
  });
});

describe('prices', () => {
  const table = { 'gpt-4o-mini': { prompt: 0.15, completion: 0.6 } };

  it('cost a call per million tokens, prompt and completion apart', () => {
    assert.equal(costOf(table, 'gpt-4o-mini', { promptTokens: 1_000_000, completionTokens: 500_000 }), 0.45);
    assert.equal(costOf(table, 'gpt-4o-mini', { promptTokens: 1200, completionTokens: 300 }), 0.00036);
  });

  it('report unknown models as unpriced, not free, and ignore inherited names', () => {
    assert.equal(costOf(table, 'other-model', { promptTokens: 10, completionTokens: 10 }), null);
    assert.equal(costOf(table, 'constructor', { promptTokens: 10, completionTokens: 10 }), null);
  });

  it('are read from LLM_PRICES, with a clear error for a malformed table', () => {
    const prices = (value?: string) => loadConfigSubset(['LLM_PRICES'], { GOLDEN_ENV_FILE: '/dev/null', LLM_PRICES: value }).LLM_PRICES;
    assert.deepEqual(prices(JSON.stringify(table)), table);
    assert.deepEqual(prices(undefined), {});
    for (const bad of ['not json', '{"m": {"prompt": -1, "completion": 1}}', '{"m": {"prompt": 1}}', '[1]']) {
      assert.throws(
        () => prices(bad),
        (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.variable === 'LLM_PRICES'),
        bad,
      );
    }
  });
});

describe('the scripted stand-in misbehaving on request', () => {
  it('reads a plan from task text and refuses unknown modes by name', () => {
    assert.deepEqual(misbehaviourFromText('FizzBuzz. scripted-misbehave: invalid-json x2'), { mode: 'invalid-json', times: 2 });
    assert.deepEqual(misbehaviourFromText('scripted-misbehave: chatty'), { mode: 'chatty', times: 1 });
    assert.equal(misbehaviourFromText('FizzBuzz'), undefined);
    assert.throws(() => misbehaviourFromText('scripted-misbehave: explode'), /unknown scripted misbehaviour "explode"/);
  });

  it('produces answers every one of which the security layer refuses, except chatty text around valid JSON', () => {
    const expected: Record<string, string> = {
      'invalid-json': 'invalid_json',
      'schema-violation': 'schema',
      'injected-instructions': 'injection',
      exfiltration: 'injection',
      oversized: 'too_large',
      'deep-nesting': 'too_deep',
      'prototype-pollution': 'forbidden_key',
    };
    for (const mode of SCRIPTED_MISBEHAVIOURS) {
      const verdict = guardAnswer('developerSolution', misbehave(mode, proper));
      if (mode === 'chatty') {
        assert.equal(verdict.ok, true, mode);
        continue;
      }
      assert.equal(verdict.ok, false, mode);
      assert.equal(!verdict.ok && verdict.reason, expected[mode], `${mode}: ${!verdict.ok ? verdict.detail : ''}`);
    }
  });

  it('misbehaves for the planned number of rounds, then answers properly', async () => {
    const provider = new ScriptedProvider({ misbehave: { mode: 'invalid-json', times: 2 } });
    const ask = (prompt: string) =>
      provider.complete({ role: 'developer', system: 's', prompt: `${taskBlock({ title: 'FizzBuzz', description: 'd', language: 'python' })}${prompt}`, maxTokens: 4000 });
    const rejection = { reason: 'invalid_json' as const, detail: 'unexpected end' };
    assert.equal(guardAnswer('developerSolution', (await ask('')).text).ok, false);
    assert.equal(guardAnswer('developerSolution', (await ask(correctivePrompt('', rejection, 1, 2))).text).ok, false);
    assert.equal(guardAnswer('developerSolution', (await ask(correctivePrompt('', rejection, 2, 2))).text).ok, true);
  });
});
