import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeadLetterDecision } from '../domain/dead-letters.js';
import type { EscalationDecision, EscalationOutcome, EscalationState } from '../domain/escalation.js';
import type { PromptDecision, PromptUpdateState, PromptUpdateStatus } from '../domain/governance.js';
import type { Guidance, TaskEvent, TaskProgress } from '../domain/task-pipeline.js';

/** Names are permanent: they are recorded in workflow histories. */

export type { TaskProgress };

/** Cheap, read-only view of a running task for the API and the Web UI's query tab. */
export const taskProgressQuery = defineQuery<TaskProgress>('taskProgress');

/** The task's timeline as the workflow knows it (also kept in `task_events`). */
export const taskHistoryQuery = defineQuery<TaskEvent[]>('taskHistory');

/** Operator guidance for the developer agent; a signal: the sender needs no answer. */
export const addGuidanceSignal = defineSignal<[Guidance]>('addGuidance');

/**
 * Decisions on a parked task's dead letter. Updates: the caller learns at once
 * whether the decision was accepted (it names the open dead letter).
 */
export const redriveUpdate = defineUpdate<{ deadLetterId: number; step: string }, [DeadLetterDecision]>('redrive');
export const discardUpdate = defineUpdate<{ deadLetterId: number; step: string }, [DeadLetterDecision]>('discard');

/** A human's decision on an escalation waiting for one. */
export const resolveEscalationUpdate = defineUpdate<EscalationOutcome, [EscalationDecision]>('resolve');
export const escalationStateQuery = defineQuery<EscalationState>('escalationState');

/** Where a prompt update stands, as the waiting workflow last saw it. */
export const promptUpdateStateQuery = defineQuery<PromptUpdateState>('promptUpdateState');

/**
 * Human decisions on a prompt update. Updates, not signals: the caller learns
 * at once whether the decision was accepted (validator) and what it led to
 * (applied, or approved but held by the role's limit or cooldown).
 */
export const approvePromptUpdate = defineUpdate<PromptUpdateStatus, [PromptDecision]>('approve');
export const rejectPromptUpdate = defineUpdate<PromptUpdateStatus, [PromptDecision]>('reject');
