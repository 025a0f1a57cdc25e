import { log } from '@temporalio/activity';
import type { DeadLetterResolution } from '../domain/dead-letters.js';
import type { GuardFailure } from '../domain/guards.js';
import type { PipelinePolicy, TaskEvent } from '../domain/task-pipeline.js';
import type { TaskStatus } from '../domain/task-status.js';
import type { Db } from '../lib/db.js';
import { recordDeadLetter, resolveDeadLetter } from '../lib/dead-letter-store.js';
import type { Metrics } from '../lib/metrics.js';
import { recordTaskEvent } from '../lib/task-events.js';
import { setTaskStatus } from '../lib/task-store.js';

export interface TaskPipelineDeps {
  db: Db;
  metrics: Metrics;
  pipeline: PipelinePolicy;
}

/** The task workflow's bookkeeping: its policy, timeline, status, guard bypasses and dead letters. */
export function createTaskPipelineActivities({ db, metrics, pipeline }: TaskPipelineDeps) {
  return {
    /** The worker's configured policy; recorded in the history once, so replays and re-drives keep it. */
    async pipelinePolicy(): Promise<PipelinePolicy> {
      return pipeline;
    },

    async recordTaskEvent(args: { taskId: string; tenantId: string; event: TaskEvent }): Promise<void> {
      await recordTaskEvent(db, args.taskId, args.tenantId, args.event);
    },

    /** A running task's status (reviewing, escalated, dead_lettered, back to running). */
    async recordTaskStatus(args: { taskId: string; tenantId: string; status: TaskStatus }): Promise<void> {
      await setTaskStatus(db, args.taskId, args.tenantId, args.status);
    },

    /** Counted for the seed's critical "security guard bypassed" alert; the workflow refuses the review. */
    async recordGuardBypass(args: { taskId: string; solutionId: string; failures: GuardFailure[] }): Promise<void> {
      metrics.securityGuardBypass.inc();
      log.error('a solution reached peer review without passing its guards; the review was refused', { ...args });
    },

    async recordDeadLetter(args: {
      tenantId: string;
      taskId: string;
      workflowId: string;
      step: string;
      data: Record<string, unknown>;
      error: string;
      errorType?: string;
      attempts: number;
    }): Promise<number> {
      return recordDeadLetter(db, args);
    },

    async resolveDeadLetter(args: { deadLetterId: number; resolution: DeadLetterResolution; by: string }): Promise<void> {
      await resolveDeadLetter(db, args.deadLetterId, args.resolution, args.by);
    },
  };
}
