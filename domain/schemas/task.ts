import { z } from 'zod';
import { TASK_ID_PATTERN } from '../workflow-ids.js';
import { TASK_STATUSES } from '../task-status.js';

/** Languages the sandbox image can run tests for. */
export const TASK_LANGUAGES = ['python', 'javascript'] as const;
export type TaskLanguage = (typeof TASK_LANGUAGES)[number];

export const TaskId = z
  .string()
  .regex(TASK_ID_PATTERN, 'must be 1-64 characters of letters, digits, "-" or "_", starting with a letter or digit');

export const TenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-"');

/** What a task asks for: the part a client writes. */
export const TaskSpec = z
  .object({
    title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    description: z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters'),
    language: z.enum(TASK_LANGUAGES),
  })
  .strict();

/**
 * Body of `POST /tasks`. An optional client-chosen `id` makes the call
 * idempotent: repeating it returns the same task instead of starting another.
 * Tenant and actor are deliberately absent: they come from the verified token.
 */
export const CreateTaskBody = TaskSpec.extend({ id: TaskId.optional() }).strict().meta({ id: 'CreateTaskBody' });
export type CreateTaskBody = z.infer<typeof CreateTaskBody>;

/**
 * Input of `TaskWorkflow`, validated on its first line so that starts from the
 * `temporal` CLI are checked exactly like API starts. Only the API and
 * operators with Temporal access can start workflows, so here the tenant is
 * part of the input.
 */
export const TaskWorkflowInput = TaskSpec.extend({
  tenantId: TenantId,
  requestedBy: z.string().min(1, 'must not be empty').max(200),
})
  .strict()
  .meta({ id: 'TaskWorkflowInput' });
export type TaskWorkflowInput = z.infer<typeof TaskWorkflowInput>;

export const SolutionSummary = z.object({
  solutionId: z.string(),
  summary: z.string(),
  files: z.array(z.string()),
  tests: z.array(z.string()),
  model: z.string(),
  provider: z.string(),
  // Optional: results stored before calls were costed lack them.
  /** Answers it took: 1, plus one per corrective retry after a rejected answer. */
  rounds: z.number().int().min(1).optional(),
  /** Tokens of every round, rejected ones included. */
  usage: z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) }).optional(),
  /** From LLM_PRICES; null when the model has no price there. */
  costUsd: z.number().min(0).nullable().optional(),
});
export type SolutionSummary = z.infer<typeof SolutionSummary>;

/** What a finished `TaskWorkflow` returns: references, not the code itself. */
export const TaskResult = z
  .object({
    taskId: TaskId,
    tenantId: TenantId,
    status: z.literal('completed'),
    solution: SolutionSummary,
    /** Who accepted the solution: the peer review, or an escalation (supervisor or human). */
    acceptedBy: z.enum(['peer_review', 'supervisor', 'human']).optional(),
    /** The last peer review: its id, outcome, weighted quality and the seed's explanation. */
    review: z
      .object({ reviewId: z.string(), outcome: z.string(), quality: z.number(), explanation: z.string() })
      .optional(),
    /** Escalations the task went through (workflow ids). */
    escalations: z.array(z.string()).optional(),
    /** Peer-review rounds and auto-fix iterations it took. */
    reviewRounds: z.number().int().min(0).optional(),
    fixIterations: z.number().int().min(0).optional(),
  })
  .meta({ id: 'TaskResult' });
export type TaskResult = z.infer<typeof TaskResult>;

export const TaskView = z
  .object({
    id: TaskId,
    tenantId: TenantId,
    title: z.string(),
    language: z.string(),
    status: z.enum(TASK_STATUSES),
    workflowId: z.string(),
    requestedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    result: TaskResult.nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'TaskView' });
export type TaskView = z.infer<typeof TaskView>;
