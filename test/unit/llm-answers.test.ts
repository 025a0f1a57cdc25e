import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractJson, type ExtractResult } from '../../domain/llm/extract-json.js';

function value(result: ExtractResult): unknown {
  assert.equal(result.ok, true, result.ok ? '' : `${result.reason}: ${result.detail}`);
  return result.ok ? result.value : undefined;
}

function reason(result: ExtractResult): string {
  assert.equal(result.ok, false, 'expected a rejection');
  return result.ok ? '' : result.reason;
}

function nested(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

describe('extractJson: where the object is', () => {
  it('reads bare JSON, with surrounding whitespace', () => {
    assert.deepEqual(value(extractJson('  {"a": 1, "b": [true, null]}\n')), { a: 1, b: [true, null] });
  });

  it('reads a ```json fence and an untagged fence', () => {
    const text = 'Here is my answer:\n```json\n{"summary": "done"}\n```\nThanks!';
    assert.deepEqual(value(extractJson(text)), { summary: 'done' });
    assert.deepEqual(value(extractJson('```\n{"x": 2}\n```')), { x: 2 });
  });

  it('ignores fences of other languages when a JSON fence is present', () => {
    const text = '```python\nd = {"k": 1}\n```\nand\n```json\n{"ok": true}\n```';
    assert.deepEqual(value(extractJson(text)), { ok: true });
  });

  it('finds one object in chatty text', () => {
    const text = 'Sure! After thinking about it, {"verdict": "approve", "score": 0.9} is my vote. Let me know.';
    assert.deepEqual(value(extractJson(text)), { verdict: 'approve', score: 0.9 });
  });

  it('keeps braces and quotes inside strings out of the brace count', () => {
    const text = 'Answer: {"code": "function f() { return \\"}\\"; }", "n": {"m": "{{"}} done';
    assert.deepEqual(value(extractJson(text)), { code: 'function f() { return "}"; }', n: { m: '{{' } });
  });

  it('handles escaped backslashes before a closing quote', () => {
    assert.deepEqual(value(extractJson('x {"p": "C:\\\\", "q": "}"} y')), { p: 'C:\\', q: '}' });
  });

  it('skips prose braces that are not JSON, and a prose "{" that never closes', () => {
    assert.deepEqual(value(extractJson('Use {curly} braces: {"a": 1}')), { a: 1 });
    assert.deepEqual(value(extractJson('Type { to open. {"a": 1}')), { a: 1 });
  });

  it('accepts the same object repeated, refuses two different ones', () => {
    assert.deepEqual(value(extractJson('{"a":1} or, again, {"a": 1}')), { a: 1 });
    assert.equal(reason(extractJson('Either {"a": 1} or {"b": 2}.')), 'multiple_objects');
    assert.equal(reason(extractJson('```json\n{"a":1}\n```\n```json\n{"a":2}\n```')), 'multiple_objects');
  });

  it('names text without JSON, broken JSON, truncated JSON and non-objects', () => {
    assert.equal(reason(extractJson('I cannot help with that.')), 'not_json');
    assert.equal(reason(extractJson('   ')), 'not_json');
    assert.equal(reason(extractJson('```json\n{"a": 1,}\n```')), 'invalid_json');
    assert.equal(reason(extractJson('{"a": "cut off')), 'invalid_json');
    assert.equal(reason(extractJson('[1, 2]')), 'not_object');
    assert.equal(reason(extractJson('"just a string"')), 'not_json');
  });
});

describe('extractJson: limits', () => {
  it('accepts depth 32 and refuses depth 33 before parsing', () => {
    assert.equal(extractJson(nested(32)).ok, true);
    assert.equal(reason(extractJson(nested(33))), 'too_deep');
    assert.equal(reason(extractJson(`prose ${nested(33)} prose`)), 'too_deep');
    assert.equal(reason(extractJson('{"a":[[[{}]]]}', { maxDepth: 4 })), 'too_deep');
  });

  it('refuses text over the character cap', () => {
    const huge = `{"a": "${'x'.repeat(200_001)}"}`;
    const result = extractJson(huge);
    assert.equal(reason(result), 'too_large');
    assert.equal(reason(extractJson('{"a": 1}', { maxChars: 5 })), 'too_large');
  });

  it('counts keys and array items over the whole value', () => {
    const many = JSON.stringify({ list: Array.from({ length: 10_000 }, (_, i) => i) });
    assert.equal(reason(extractJson(many)), 'too_many_items');
    assert.equal(extractJson(JSON.stringify({ list: Array.from({ length: 9_999 }, (_, i) => i) })).ok, true);
    assert.equal(reason(extractJson('{"a":1,"b":{"c":2}}', { maxItems: 2 })), 'too_many_items');
  });

  it('stays fast on a pathological run of opening braces', () => {
    const result = extractJson('{'.repeat(100_000));
    assert.equal(result.ok, false);
  });
});

describe('extractJson: prototype pollution', () => {
  it('refuses __proto__ at the top level and leaves Object.prototype alone', () => {
    const result = extractJson('{"__proto__": {"x": 1}}');
    assert.equal(reason(result), 'forbidden_key');
    assert.match(result.ok ? '' : result.detail, /__proto__/);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('refuses constructor / prototype nested anywhere, naming the path', () => {
    const result = extractJson('ok: {"a": [{"b": {"constructor": {"prototype": {"x": 1}}}}]}');
    assert.equal(reason(result), 'forbidden_key');
    assert.match(result.ok ? '' : result.detail, /\$\.a\[0\]\.b\.constructor/);
    assert.equal(reason(extractJson('{"prototype": 1}')), 'forbidden_key');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('refuses the whole answer when a hostile object sits next to a benign one', () => {
    assert.equal(reason(extractJson('{"a": 1} and {"__proto__": {"polluted": true}}')), 'forbidden_key');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('returns plain objects with the ordinary prototype', () => {
    const v = value(extractJson('{"a": {"b": 1}}')) as { a: object };
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal(Object.getPrototypeOf(v.a), Object.prototype);
    // Keys that merely contain the words are fine.
    assert.equal(extractJson('{"constructorName": "x", "my_prototype": 1}').ok, true);
  });
});
