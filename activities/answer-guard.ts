import { screenText, type ScreenResult } from '../domain/injection/screen.js';
import { parseAgentAnswer, type AnswerFailureReason } from '../domain/llm/answer-schemas.js';
import type { DeveloperSolution } from '../domain/schemas/solution.js';

export type GuardVerdict =
  | { ok: true; solution: DeveloperSolution; flagged: string[] }
  | { ok: false; reason: AnswerFailureReason | 'injection'; detail: string };

function describe(field: string, result: ScreenResult): string {
  return `${field} (score ${result.score.toFixed(2)}: ${result.signals.map((s) => s.category).join(', ')})`;
}

/**
 * The security layer for a developer answer: the JSON is extracted within
 * size, depth and key limits, validated against its strict schema, and every
 * field screened for injection with the policy of what it will become (code
 * or prose). Blocked fields reject the answer; flagged ones are reported.
 */
export function guardDeveloperAnswer(text: string): GuardVerdict {
  const parsed = parseAgentAnswer('developerSolution', text);
  if (!parsed.ok) return parsed;
  const solution = parsed.value;
  const fields: Array<[string, string]> = [
    ['answer.summary', solution.summary],
    ...solution.files.map((f): [string, string] => ['answer.code', f.content]),
    ...solution.tests.map((f): [string, string] => ['answer.tests', f.content]),
  ];
  const blocked: string[] = [];
  const flagged: string[] = [];
  for (const [field, value] of fields) {
    const result = screenText(value, { field, trust: 'agent' });
    if (result.verdict === 'block') blocked.push(describe(field, result));
    else if (result.verdict === 'flag') flagged.push(describe(field, result));
  }
  if (blocked.length > 0) return { ok: false, reason: 'injection', detail: `blocked by injection screening: ${blocked.join('; ')}` };
  return { ok: true, solution, flagged };
}

/** Untrusted task text is screened before it reaches a prompt; a block is a permanent refusal. */
export function screenTaskText(title: string, description: string): { blocked: string[]; flagged: string[] } {
  const blocked: string[] = [];
  const flagged: string[] = [];
  for (const [field, value] of [
    ['task.title', title],
    ['task.description', description],
  ] as const) {
    const result = screenText(value, { field, trust: 'untrusted' });
    if (result.verdict === 'block') blocked.push(describe(field, result));
    else if (result.verdict === 'flag') flagged.push(describe(field, result));
  }
  return { blocked, flagged };
}
