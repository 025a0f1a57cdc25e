import { z } from 'zod';
import type { AgentRole } from './agent-roles.js';
import type { TaskStatus } from './task-status.js';

/**
 * The knobs of one task's pipeline, read from config once at the start of the
 * workflow (by an activity) and kept in its history, so replays and re-drives
 * use the values the run started with.
 */
export const PipelinePolicy = z
  .object({
    /** Guard → remediation rounds before the task escalates. */
    maxFixIterations: z.number().int().min(1).max(20),
    /** Peer reviews (each followed by a revision) before the task escalates. */
    maxReviewRounds: z.number().int().min(1).max(10),
    /** Escalations one task may go through before it fails. */
    maxEscalations: z.number().int().min(1).max(10),
    peerReviewDeadlineSeconds: z.number().int().min(1).max(86_400),
    escalationDeadlineSeconds: z.number().int().min(1).max(7 * 86_400),
    /** A supervisor synthesis at or above this confidence is applied without a human. */
    autoApplyConfidence: z.number().min(0).max(1),
    deadLetterDeadlineSeconds: z.number().int().min(1).max(30 * 86_400),
    qualityThreshold: z.number().min(0).max(1),
    /** Prefix of the task queues children and sandbox runs go to (TEMPORAL_TASK_QUEUE_PREFIX). */
    taskQueuePrefix: z.string().max(100),
  })
  .strict();
export type PipelinePolicy = z.infer<typeof PipelinePolicy>;

/** What a task's timeline records; names are kept in `task_events.kind`. */
export const TASK_EVENT_KINDS = [
  'started',
  'solution',
  'tests_run',
  'security_review',
  'guards',
  'remediation',
  'guard_bypass_refused',
  'peer_review',
  'escalation',
  'escalation_resolved',
  'guidance',
  'dead_letter',
  'dead_letter_resolved',
  'finished',
] as const;
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];

export interface TaskEvent {
  /** 1, 2, …: assigned by the workflow, so a retried recording rewrites its own event. */
  seq: number;
  kind: TaskEventKind;
  step: string;
  detail: Record<string, unknown>;
}

/** Operator guidance sent to a running task (signal `addGuidance`); the developer sees it from its next call on. */
export const Guidance = z
  .object({
    text: z.string().trim().min(1, 'must not be empty').max(4_000, 'must be at most 4000 characters'),
    by: z.string().min(1).max(200),
  })
  .strict();
export type Guidance = z.infer<typeof Guidance>;

/** The cheap read-only view of a running task (query `taskProgress`). */
export interface TaskProgress {
  status: TaskStatus;
  step: string;
  /** Peer-review round (from 1) and auto-fix iteration within it (from 1). */
  round: number;
  iteration: number;
  /** The agent role working now (also the AgentRole search attribute), if any. */
  role?: AgentRole;
  solutionId?: string;
  reviewId?: string;
  escalationId?: string;
  /** The open dead letter the task waits on, if it is parked. */
  deadLetterId?: number;
  guidance: number;
}

/**
 * Step names: stable, unique within a task, and part of budget request ids
 * and solution keys, so a replayed or re-driven step finds its own records.
 */
export function stepName(kind: string, round: number, iteration: number, extra?: string): string {
  return `${kind}-r${round}i${iteration}${extra ? `-${extra}` : ''}`;
}
