import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { taskQueueName } from '../domain/task-queues.js';
import type { Config } from '../lib/config.js';
import { BackupWorkflow, BudgetReconcileWorkflow, BudgetSweepWorkflow } from '../workflows/index.js';

const DAY_SECONDS = 86_400;

/**
 * The platform's recurring jobs as Temporal Schedules, created by the
 * orchestrator workers at start. Idempotent: an existing schedule is updated
 * to the configured interval instead of duplicated.
 */
export async function ensureSchedules(client: Client, config: Config): Promise<string[]> {
  const prefix = config.TEMPORAL_TASK_QUEUE_PREFIX;
  const taskQueue = taskQueueName('orchestrator', prefix);
  const jobs = [
    // With overlap SKIP, a run that never finishes (no worker polls) would block every later one.
    { id: `${prefix}budget-sweep`, workflowType: BudgetSweepWorkflow.name, every: config.BUDGET_SWEEP_INTERVAL_SECONDS, timeout: '10m' },
    { id: `${prefix}budget-reconcile`, workflowType: BudgetReconcileWorkflow.name, every: config.BUDGET_RECONCILE_INTERVAL_SECONDS, timeout: '10m' },
    // Two attempts of up to an hour each (workflows/backup-workflow.ts), well inside a day.
    { id: `${prefix}backup`, workflowType: BackupWorkflow.name, every: DAY_SECONDS, timeout: '3h' },
  ];
  for (const job of jobs) {
    const spec = { intervals: [{ every: `${job.every}s` }] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: job.workflowType,
      taskQueue,
      workflowId: job.id,
      args: [],
      workflowExecutionTimeout: job.timeout,
    };
    try {
      await client.schedule.create({
        scheduleId: job.id,
        spec,
        action,
        // A slow run must not pile up behind itself; the next tick simply runs later.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(job.id).update((previous) => ({ ...previous, spec, action }));
    }
  }
  return jobs.map((j) => j.id);
}
