import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PromptDecision, PromptUpdateState, PromptUpdateStatus } from '../domain/governance.js';
import type { TaskStatus } from '../domain/task-status.js';

/** Names are permanent: they are recorded in workflow histories. */

export interface TaskProgress {
  status: TaskStatus;
  step: string;
  solutionId?: string;
}

/** Cheap, read-only view of a running task for the API and the Web UI's query tab. */
export const taskProgressQuery = defineQuery<TaskProgress>('taskProgress');

/** Where a prompt update stands, as the waiting workflow last saw it. */
export const promptUpdateStateQuery = defineQuery<PromptUpdateState>('promptUpdateState');

/**
 * Human decisions on a prompt update. Updates, not signals: the caller learns
 * at once whether the decision was accepted (validator) and what it led to
 * (applied, or approved but held by the role's limit or cooldown).
 */
export const approvePromptUpdate = defineUpdate<PromptUpdateStatus, [PromptDecision]>('approve');
export const rejectPromptUpdate = defineUpdate<PromptUpdateStatus, [PromptDecision]>('reject');
