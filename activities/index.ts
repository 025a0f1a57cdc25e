import type Docker from 'dockerode';
import type { PriceTable } from '../domain/llm/pricing.js';
import type { BudgetController } from '../lib/budget/controller.js';
import type { Db } from '../lib/db.js';
import type { LlmProvider } from '../lib/llm/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { withActivityFailures } from './activity-failures.js';
import { createAgentCaller } from './agent-call.js';
import { createBackupActivities } from './backup.js';
import { createBudgetActivities } from './budget.js';
import { createDeveloperAgentActivities } from './developer-agent.js';
import { createEscalationAgentActivities } from './escalation-agent.js';
import { createGovernanceActivities, type GovernanceDeps } from './governance.js';
import { createQualityAgentActivities } from './quality-agents.js';
import { createReviewAgentActivities } from './review-agents.js';
import { createSandboxProbeActivities } from './sandbox-probe.js';
import { createSandboxActivities, type SandboxServices } from './sandbox.js';
import { createSolutionTestActivities } from './solution-tests.js';
import { createTaskRecordActivities } from './task-records.js';
import { createTaskPipelineActivities } from './task-pipeline.js';
import { createEscalationRecordActivities } from './escalation.js';
import type { PipelinePolicy } from '../domain/task-pipeline.js';

export interface ActivityDeps {
  db: Db;
  llm: LlmProvider;
  metrics: Metrics;
  docker: Docker;
  budget: BudgetController;
  /** The sandbox executor, its warm pool and the per-tenant rate limiter (used by the sandbox queue only). */
  sandbox: SandboxServices;
  /** How agent calls treat rejected answers and price their tokens. */
  llmPolicy: { correctiveRetries: number; prices: PriceTable };
  /** Deadlines of prompt updates (learning governance). */
  governance: GovernanceDeps['governance'];
  /** The task pipeline's knobs (fix iterations, review rounds, deadlines…), from config. */
  pipeline: PipelinePolicy;
  logger?: Pick<Logger, 'error'>;
}

/** Every activity, built once per worker from its adapters; workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  const callAgent = createAgentCaller({ ...deps, ...deps.llmPolicy });
  return withActivityFailures({
    ...createTaskRecordActivities(deps),
    ...createTaskPipelineActivities(deps),
    ...createEscalationRecordActivities(deps),
    ...createBudgetActivities(deps),
    ...createDeveloperAgentActivities({ db: deps.db, metrics: deps.metrics, callAgent }),
    ...createGovernanceActivities(deps),
    ...createReviewAgentActivities({ db: deps.db, metrics: deps.metrics, callAgent }),
    ...createQualityAgentActivities({ db: deps.db, callAgent }),
    ...createEscalationAgentActivities({ db: deps.db, callAgent }),
    ...createSandboxProbeActivities(deps),
    ...createSandboxActivities(deps),
    ...createSolutionTestActivities(deps),
    ...createBackupActivities(),
  });
}

export type Activities = ReturnType<typeof createActivities>;
export type ActivityName = keyof Activities;
