import { defineQuery } from '@temporalio/workflow';
import type { TaskStatus } from '../domain/task-status.js';

/** Names are permanent: they are recorded in workflow histories. */

export interface TaskProgress {
  status: TaskStatus;
  step: string;
  solutionId?: string;
}

/** Cheap, read-only view of a running task for the API and the Web UI's query tab. */
export const taskProgressQuery = defineQuery<TaskProgress>('taskProgress');
