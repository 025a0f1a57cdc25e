import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeveloperSolution } from '../../domain/schemas/solution.js';
import { ScriptedProvider, taskBlock } from '../../lib/llm/scripted-provider.js';

const request = (title: string, language: 'python' | 'javascript') => ({
  role: 'developer' as const,
  system: 's',
  prompt: `write it\n${taskBlock({ title, description: 'd', language })}`,
  maxTokens: 4000,
});

describe('scripted LLM provider', () => {
  it('answers deterministically with a schema-valid, labelled solution', async () => {
    const provider = new ScriptedProvider();
    const a = await provider.complete(request('FizzBuzz', 'python'));
    const b = await provider.complete(request('FizzBuzz', 'python'));
    assert.deepEqual(a, b);
    const solution = DeveloperSolution.parse(JSON.parse(a.text));
    assert.match(solution.summary, /scripted LLM stand-in/);
    assert.deepEqual(solution.files.map((f) => f.path), ['fizzbuzz.py']);
    assert.ok(a.usage.completionTokens > 0 && a.usage.completionTokens <= 4000);
  });

  it('writes a labelled skeleton for unknown tasks in each language', async () => {
    for (const language of ['python', 'javascript'] as const) {
      const answer = await new ScriptedProvider().complete(request('Parse a CSV', language));
      const solution = DeveloperSolution.parse(JSON.parse(answer.text));
      assert.match(solution.summary, /Skeleton .*scripted LLM stand-in/);
      assert.equal(solution.tests.length, 1);
    }
  });

  it('refuses prompts without a task block and roles it has no script for', async () => {
    await assert.rejects(new ScriptedProvider().complete({ ...request('x', 'python'), prompt: 'no block' }), /needs a <task>/);
    await assert.rejects(new ScriptedProvider().complete({ ...request('x', 'python'), role: 'reviewer' }), /no script for role reviewer/);
  });

  it('honours cancellation while it "thinks"', async () => {
    const controller = new AbortController();
    const pending = new ScriptedProvider({ latencyMs: 10_000 }).complete(request('FizzBuzz', 'python'), controller.signal);
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
  });
});
