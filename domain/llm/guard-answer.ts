import { screenFields, screenText, type ScreenResult } from '../injection/screen.js';
import { parseAgentAnswer, type AnswerFailureReason, type AnswerKind, type AnswerOf } from './answer-schemas.js';

/** Why the security layer refused an answer: its JSON, its schema, or what it says. */
export type RejectionReason = AnswerFailureReason | 'injection';

export type GuardVerdict<T> =
  | { readonly ok: true; readonly value: T; readonly flagged: readonly string[] }
  | { readonly ok: false; readonly reason: RejectionReason; readonly detail: string };

interface ScreenedField {
  readonly field: string;
  readonly text: string;
}

const field = (name: string, text: string | undefined): ScreenedField[] => (text ? [{ field: name, text }] : []);

/**
 * Which parts of each answer are screened, under which field policy. Code is
 * screened file by file (its SQL and shell are expected); prose is screened
 * field by field and joined, so an instruction split across fields is whole again.
 */
const SCREENED_FIELDS: { readonly [K in AnswerKind]: (a: AnswerOf<K>) => { code: ScreenedField[]; prose: ScreenedField[] } } = {
  developerSolution: (a) => ({
    code: [...a.files.map((f) => ({ field: 'answer.code', text: f.content })), ...a.tests.map((f) => ({ field: 'answer.tests', text: f.content }))],
    prose: [...field('answer.summary', a.summary), ...field('answer.explanation', a.explanation)],
  }),
  testGeneration: (a) => ({
    code: a.tests.map((f) => ({ field: 'answer.tests', text: f.content })),
    prose: field('answer.explanation', a.rationale),
  }),
  reviewVote: (a) => ({ code: [], prose: a.reasons.map((r) => ({ field: 'answer.review', text: r })) }),
  securityReview: (a) => ({
    code: [],
    prose: a.findings.flatMap((f) => [...field('answer.review', f.title), ...field('answer.review', f.detail)]),
  }),
  architectReview: (a) => ({
    code: [],
    prose: [...a.concerns, ...a.recommendations].map((text) => ({ field: 'answer.review', text })),
  }),
  supervisorSynthesis: (a) => ({
    code: [],
    prose: [
      ...field('answer.explanation', a.reasoning),
      ...a.action_plan.flatMap((s) => [...field('answer.review', s.reason), ...field('answer.review', s.target)]),
    ],
  }),
};

function describe(name: string, result: ScreenResult): string {
  return `${name} (score ${result.score.toFixed(2)}: ${[...new Set(result.signals.map((s) => s.category))].join(', ')})`;
}

/**
 * The security layer for one agent answer: the JSON is extracted within size,
 * depth and key limits, validated against the kind's strict schema, and its
 * fields screened for injection with the policy of what each becomes (code or
 * prose). A blocked field rejects the answer; flagged ones are reported.
 */
export function guardAnswer<K extends AnswerKind>(kind: K, text: string): GuardVerdict<AnswerOf<K>> {
  const parsed = parseAgentAnswer(kind, text);
  if (!parsed.ok) return parsed;
  const { code, prose } = (SCREENED_FIELDS[kind] as (a: AnswerOf<K>) => { code: ScreenedField[]; prose: ScreenedField[] })(parsed.value);
  const blocked: string[] = [];
  const flagged: string[] = [];
  const judge = (name: string, result: ScreenResult) => {
    if (result.verdict === 'block') blocked.push(describe(name, result));
    else if (result.verdict === 'flag') flagged.push(describe(name, result));
  };
  for (const f of code) judge(f.field, screenText(f.text, { field: f.field, trust: 'agent' }));
  if (prose.length > 0) judge(prose.map((f) => f.field).filter((n, i, all) => all.indexOf(n) === i).join('+'), screenFields(prose, 'agent'));
  if (blocked.length > 0) return { ok: false, reason: 'injection', detail: `blocked by injection screening: ${blocked.join('; ')}` };
  return { ok: true, value: parsed.value, flagged };
}

/** Untrusted task text is screened before it reaches a prompt; a block is a permanent refusal. */
export function screenTaskText(title: string, description: string): { blocked: string[]; flagged: string[] } {
  const blocked: string[] = [];
  const flagged: string[] = [];
  for (const [name, value] of [
    ['task.title', title],
    ['task.description', description],
  ] as const) {
    const result = screenText(value, { field: name, trust: 'untrusted' });
    if (result.verdict === 'block') blocked.push(describe(name, result));
    else if (result.verdict === 'flag') flagged.push(describe(name, result));
  }
  return { blocked, flagged };
}
