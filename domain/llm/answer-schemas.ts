import { z } from 'zod';
import type { AgentRole } from '../agent-roles.js';
import { DeveloperSolution, SourceFile, WorkspacePath } from '../schemas/solution.js';
import { describeZodError } from '../validation.js';
import { extractJson, type ExtractFailureReason, type ExtractLimits } from './extract-json.js';

export { DeveloperSolution, SourceFile, WorkspacePath };

// Each answer is defined once here; prompts, activities and tests import
// these, so what a model is asked for and what is accepted cannot drift.
// Every object is strict: an unexpected key means the model did not follow
// the format, and guessing what it meant is not safe.

const ShortText = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const LongText = z.string().trim().min(1, 'must not be empty').max(4_000, 'must be at most 4000 characters');
const Unit = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/** The developer's answer: a `DeveloperSolution` plus an optional free-text explanation. */
export const DeveloperAnswer = DeveloperSolution.extend({
  explanation: z.string().max(10_000, 'must be at most 10000 characters').optional(),
})
  .strict()
  .meta({ id: 'DeveloperAnswer' });
export type DeveloperAnswer = z.infer<typeof DeveloperAnswer>;

/** The tester's answer: test files for the solution and why they cover it. */
export const TestGenerationAnswer = z
  .object({
    tests: z.array(SourceFile).min(1, 'must contain at least one test file').max(50),
    rationale: LongText,
  })
  .strict()
  .meta({ id: 'TestGenerationAnswer' });
export type TestGenerationAnswer = z.infer<typeof TestGenerationAnswer>;

export const REVIEW_VERDICTS = ['approve', 'request_changes', 'reject'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

/** One reviewer's vote on a solution. */
export const ReviewVoteAnswer = z
  .object({
    verdict: z.enum(REVIEW_VERDICTS),
    score: Unit,
    reasons: z.array(LongText).min(1, 'must give at least one reason').max(20, 'must give at most 20 reasons'),
  })
  .strict()
  .meta({ id: 'ReviewVoteAnswer' });
export type ReviewVoteAnswer = z.infer<typeof ReviewVoteAnswer>;

export const FINDING_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];
/** Severities that block approval whatever the model says. */
export const BLOCKING_SEVERITIES: readonly FindingSeverity[] = ['high', 'critical'];

export const SecurityFinding = z
  .object({
    severity: z.enum(FINDING_SEVERITIES),
    title: ShortText,
    detail: LongText,
    file: WorkspacePath.optional(),
    line: z.number().int().positive().max(1_000_000).optional(),
  })
  .strict();
export type SecurityFinding = z.infer<typeof SecurityFinding>;

/**
 * The security agent's answer. A model that reports a high or critical finding
 * and approves anyway contradicts itself; the answer is refused rather than
 * trusted either way.
 */
export const SecurityReviewAnswer = z
  .object({
    approved: z.boolean(),
    findings: z.array(SecurityFinding).max(100, 'must list at most 100 findings'),
  })
  .strict()
  .superRefine((answer, ctx) => {
    if (answer.approved && answer.findings.some((f) => BLOCKING_SEVERITIES.includes(f.severity))) {
      ctx.addIssue({
        code: 'custom',
        path: ['approved'],
        message: 'must be false when any finding is high or critical',
      });
    }
  })
  .meta({ id: 'SecurityReviewAnswer' });
export type SecurityReviewAnswer = z.infer<typeof SecurityReviewAnswer>;

/** The architect's answer. */
export const ArchitectReviewAnswer = z
  .object({
    approved: z.boolean(),
    concerns: z.array(LongText).max(50, 'must list at most 50 concerns'),
    recommendations: z.array(LongText).max(50, 'must list at most 50 recommendations'),
  })
  .strict()
  .meta({ id: 'ArchitectReviewAnswer' });
export type ArchitectReviewAnswer = z.infer<typeof ArchitectReviewAnswer>;

/** What the supervisor may decide; anything else is refused, never mapped. */
export const SUPERVISOR_ACTIONS = [
  'accept',
  'retry_task',
  'request_changes',
  'add_tests',
  'security_review',
  'refactor',
  'escalate_to_human',
  'abort',
] as const;
export type SupervisorAction = (typeof SUPERVISOR_ACTIONS)[number];

export const ActionPlanStep = z
  .object({
    action: z.enum(SUPERVISOR_ACTIONS),
    target: ShortText.optional(),
    reason: LongText,
  })
  .strict();
export type ActionPlanStep = z.infer<typeof ActionPlanStep>;

/** The supervisor's synthesis of the team's answers. `action_plan` keeps the seed's field name. */
export const SupervisorSynthesisAnswer = z
  .object({
    action_plan: z.array(ActionPlanStep).min(1, 'must contain at least one step').max(20, 'must contain at most 20 steps'),
    reasoning: LongText,
    confidence: Unit,
  })
  .strict()
  .meta({ id: 'SupervisorSynthesisAnswer' });
export type SupervisorSynthesisAnswer = z.infer<typeof SupervisorSynthesisAnswer>;

/** The schema of every answer kind. */
export const ANSWER_SCHEMAS = {
  developerSolution: DeveloperAnswer,
  testGeneration: TestGenerationAnswer,
  reviewVote: ReviewVoteAnswer,
  securityReview: SecurityReviewAnswer,
  architectReview: ArchitectReviewAnswer,
  supervisorSynthesis: SupervisorSynthesisAnswer,
} as const;
export type AnswerKind = keyof typeof ANSWER_SCHEMAS;
export type AnswerOf<K extends AnswerKind> = z.infer<(typeof ANSWER_SCHEMAS)[K]>;
export const ANSWER_KINDS = Object.keys(ANSWER_SCHEMAS) as AnswerKind[];

/** The answer each agent role gives. */
export const ANSWER_KIND_BY_ROLE: Readonly<Record<AgentRole, AnswerKind>> = Object.freeze({
  developer: 'developerSolution',
  tester: 'testGeneration',
  reviewer: 'reviewVote',
  security: 'securityReview',
  architect: 'architectReview',
  supervisor: 'supervisorSynthesis',
});

export type AnswerFailureReason = ExtractFailureReason | 'schema';

export type AnswerResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: AnswerFailureReason; readonly detail: string };

/**
 * Extracts the JSON object from an LLM's text and validates it as `kind`.
 * Pure and total: every failure is a value whose `detail` names the fields.
 */
export function parseAgentAnswer<K extends AnswerKind>(
  kind: K,
  text: string,
  limits?: Partial<ExtractLimits>,
): AnswerResult<AnswerOf<K>> {
  const extracted = extractJson(text, limits);
  if (!extracted.ok) return extracted;
  const schema: z.ZodType<AnswerOf<K>> = ANSWER_SCHEMAS[kind] as unknown as z.ZodType<AnswerOf<K>>;
  const parsed = schema.safeParse(extracted.value);
  if (!parsed.success) return { ok: false, reason: 'schema', detail: describeZodError(parsed.error) };
  return { ok: true, value: parsed.data };
}
