import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanPlainAscii } from '../../domain/injection/plain-scan.js';
import { ruleTriggerMatcher } from '../../domain/injection/rules.js';

/**
 * The plain scan hands a text to the full path when it may hold dotted
 * letter-splitting, and reports whether a run long enough to be base64 or hex
 * exists. Both are computed in ways tuned for speed (a separator-anchored
 * pattern, a run counter inside the literal scan); these tests compare them
 * with their plain definitions on generated short texts over the characters
 * that matter.
 */

// Letter, separator, letter, separator, letter, separator, letter, each gap an optional space or tab.
const DOTTED_REFERENCE = /[A-Za-z][ \t]?[.\-_*][ \t]?[A-Za-z][ \t]?[.\-_*][ \t]?[A-Za-z][ \t]?[.\-_*][ \t]?[A-Za-z]/;
const ENCODED_RUN_REFERENCE = /[A-Za-z0-9+/_-]{24}/;

/** Deterministic pseudo-random texts (a linear congruential generator), so a failure reproduces. */
function texts(alphabet: string, count: number, maxLength: number, seed: number): string[] {
  let state = seed;
  const nextInt = (bound: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state >>> 16) % bound;
  };
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let text = '';
    const length = 1 + nextInt(maxLength);
    for (let j = 0; j < length; j++) text += alphabet[nextInt(alphabet.length)];
    out.push(text);
  }
  return out;
}

describe('injection plain scan: dotted splitting and encoded runs', () => {
  it('leaves to the full path exactly the texts with a dotted letter-split stretch', () => {
    const matcher = ruleTriggerMatcher();
    let dotted = 0;
    for (const text of texts('abXb.-_*\t 1\n', 40_000, 16, 7)) {
      const expected = DOTTED_REFERENCE.test(text);
      if (expected) dotted += 1;
      assert.equal(scanPlainAscii(text, matcher) === undefined, expected, JSON.stringify(text));
    }
    assert.ok(dotted > 50, `only ${dotted} texts had a dotted stretch`);
    assert.equal(scanPlainAscii('a.b.c.d', matcher), undefined);
    assert.equal(scanPlainAscii('a . b\t. c .d', matcher), undefined);
    assert.ok(scanPlainAscii('a.b.c', matcher));
    assert.ok(scanPlainAscii('a..b.c.d', matcher));
    assert.ok(scanPlainAscii('1.b.c.d', matcher));
  });

  it('reports an encoded candidate exactly when a base64-alphabet run reaches 24 characters', () => {
    const matcher = ruleTriggerMatcher();
    // No spaces: nothing is glued, so the raw text is what the decoder sees.
    for (const text of texts('aZ9+/_-.:(', 20_000, 90, 11)) {
      if (DOTTED_REFERENCE.test(text)) continue;
      assert.equal(scanPlainAscii(text, matcher)?.encodedCandidate, ENCODED_RUN_REFERENCE.test(text), JSON.stringify(text));
    }
    for (const length of [23, 24, 25, 55, 56, 57, 200]) {
      const run = 'Ab0+/_-9'.repeat(40).slice(0, length);
      assert.equal(scanPlainAscii(`x(${run})`, matcher)?.encodedCandidate, length >= 24, `run of ${length}`);
      assert.equal(scanPlainAscii(run, matcher)?.encodedCandidate, length >= 24, `whole text a run of ${length}`);
    }
  });
});
