import type Docker from 'dockerode';
import type { BudgetController } from '../lib/budget/controller.js';
import type { Db } from '../lib/db.js';
import type { LlmProvider } from '../lib/llm/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { createBudgetActivities } from './budget.js';
import { createDeveloperAgentActivities } from './developer-agent.js';
import { createSandboxProbeActivities } from './sandbox-probe.js';
import { createSandboxActivities, type SandboxServices } from './sandbox.js';
import { createTaskRecordActivities } from './task-records.js';

export interface ActivityDeps {
  db: Db;
  llm: LlmProvider;
  metrics: Metrics;
  docker: Docker;
  budget: BudgetController;
  /** The sandbox executor, its warm pool and the per-tenant rate limiter (used by the sandbox queue only). */
  sandbox: SandboxServices;
  logger?: Pick<Logger, 'error'>;
}

/** Every activity, built once per worker from its adapters; workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTaskRecordActivities(deps),
    ...createBudgetActivities(deps),
    ...createDeveloperAgentActivities(deps),
    ...createSandboxProbeActivities(deps),
    ...createSandboxActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type ActivityName = keyof Activities;
