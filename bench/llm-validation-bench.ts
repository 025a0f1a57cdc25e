/**
 * The security layer's cost on one 8 KB developer answer — JSON extraction
 * within limits, the strict schema and injection screening of every field —
 * against a bare `JSON.parse` + zod parse of the same text, in the same run.
 * Goal: at most 3× the bare time. Interleaved rounds; prints, asserts nothing
 * about timing (exits non-zero only if the layer rejects the clean answer).
 *
 * BENCH_SCALE=ci: a few seconds; default: ~20 s.
 */
import { performance } from 'node:perf_hooks';
import { guardAnswer } from '../domain/llm/guard-answer.js';
import { DeveloperAnswer } from '../domain/llm/answer-schemas.js';

const scale = process.env.BENCH_SCALE === 'ci' ? { rounds: 5, perRound: 400 } : { rounds: 10, perRound: 2_000 };

function answerOfSize(bytes: number): string {
  const line = (i: number) => `def helper_${i}(values):\n    return [v * ${i} for v in values if v % 3 != 0]  # keep the rest\n`;
  let code = '';
  for (let i = 0; code.length < bytes - 450; i += 1) code += line(i);
  return JSON.stringify({
    summary: 'Helpers that scale the values not divisible by three, with tests for each edge case.',
    files: [{ path: 'helpers.py', content: code }],
    tests: [{ path: 'test_helpers.py', content: 'import unittest\nfrom helpers import helper_1\n\nclass T(unittest.TestCase):\n    def test_one(self):\n        self.assertEqual(helper_1([1, 3]), [1])\n' }],
  });
}

const text = answerOfSize(8 * 1024);
if (!guardAnswer('developerSolution', text).ok) {
  console.error('the security layer rejected the clean benchmark answer');
  process.exit(1);
}

const variants = {
  guarded: () => guardAnswer('developerSolution', text).ok,
  bare: () => DeveloperAnswer.safeParse(JSON.parse(text)).success,
};
const totals = { guarded: 0, bare: 0 };
for (const run of Object.values(variants)) for (let i = 0; i < 200; i += 1) run(); // warm-up
for (let round = 0; round < scale.rounds; round += 1) {
  for (const [name, run] of Object.entries(variants) as Array<[keyof typeof variants, () => boolean]>) {
    const started = performance.now();
    for (let i = 0; i < scale.perRound; i += 1) run();
    totals[name] += performance.now() - started;
  }
}
const per = (name: keyof typeof totals) => (totals[name] * 1000) / (scale.rounds * scale.perRound);
console.log(`llm validation bench: answer ${(text.length / 1024).toFixed(1)} KiB, ${scale.rounds} rounds × ${scale.perRound}`);
console.log(`  guarded (extract + schema + screening): ${per('guarded').toFixed(1)} µs per answer`);
console.log(`  bare (JSON.parse + zod):                 ${per('bare').toFixed(1)} µs per answer`);
console.log(`llm validation bench: guarded/bare=${(per('guarded') / per('bare')).toFixed(2)} (goal ≤ 3)`);
