import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS } from '../domain/metric-names.js';

/**
 * One registry per process, served on `/metrics`. Instruments are created here
 * only, with names from domain/metric-names, so a name cannot drift.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    httpRequests: new Counter({
      name: METRICS.httpRequests,
      help: 'HTTP requests served, by route, method and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: METRICS.httpRequestDuration,
      help: 'HTTP request latency in seconds',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    rbacPermissionDenied: new Counter({
      name: METRICS.rbacPermissionDenied,
      help: 'Requests refused because the caller lacked a permission or a valid token',
      labelNames: ['permission', 'role', 'reason'] as const,
      registers: [registry],
    }),
    apiRateLimitDecisions: new Counter({
      name: METRICS.apiRateLimitDecisions,
      help: 'API rate-limit decisions, by outcome (allowed, limited) and store (redis, or local while Redis is unreachable)',
      labelNames: ['outcome', 'store'] as const,
      registers: [registry],
    }),
    activityExecutions: new Counter({
      name: METRICS.activityExecutions,
      help: 'Activity executions finished by this worker, by activity and outcome',
      labelNames: ['activity', 'outcome'] as const,
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: METRICS.llmTokens,
      help: 'LLM tokens used, by tenant, agent role and model',
      labelNames: ['tenant', 'role', 'model', 'kind'] as const,
      registers: [registry],
    }),
    llmCost: new Counter({
      name: METRICS.llmCost,
      help: 'Cost of LLM calls in US dollars from the LLM_PRICES table, by tenant, agent role and model (unpriced models are not counted)',
      labelNames: ['tenant', 'role', 'model'] as const,
      registers: [registry],
    }),
    peerReviewConsensusSeconds: new Histogram({
      name: METRICS.peerReviewConsensusSeconds,
      help: 'Time from the start of a peer review to its consensus, by outcome (the seed\'s p95 SLO)',
      labelNames: ['outcome'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 180, 300, 600],
      registers: [registry],
    }),
    promptApprovalOverdue: new Counter({
      name: METRICS.promptApprovalOverdue,
      help: 'Prompt updates still waiting for approval after PROMPT_APPROVAL_WARN_SECONDS (the seed\'s "approval pending > 24h" warning)',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    llmValidationFailures: new Counter({
      name: METRICS.llmValidationFailures,
      help: 'LLM answers (or the inputs to them) rejected by the security layer, by agent role and reason',
      labelNames: ['role', 'reason'] as const,
      registers: [registry],
    }),
    llmRequestDuration: new Histogram({
      name: METRICS.llmRequestDuration,
      help: 'LLM request latency in seconds, by provider and outcome',
      labelNames: ['provider', 'outcome'] as const,
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    sandboxExecutionFailures: new Counter({
      name: METRICS.sandboxExecutionFailures,
      help: 'Sandbox runs that failed as runs, not as tests: escape (containment not verified; must stay 0), infra, timeout, oom',
      labelNames: ['reason', 'runtime'] as const,
      registers: [registry],
    }),
    sandboxExecutionSeconds: new Histogram({
      name: METRICS.sandboxExecutionSeconds,
      help: 'Wall-clock time of sandbox runs (container start to exit), by language, runtime and whether the container was warm',
      labelNames: ['language', 'runtime', 'warm'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    sandboxTimeouts: new Counter({
      name: METRICS.sandboxTimeouts,
      help: 'Sandbox runs killed at their wall-clock timeout, by language and runtime',
      labelNames: ['language', 'runtime'] as const,
      registers: [registry],
    }),
    sandboxRateLimited: new Counter({
      name: METRICS.sandboxRateLimited,
      help: 'Sandbox runs told to wait because their tenant was over SANDBOX_RATE_LIMIT',
      registers: [registry],
    }),
    budgetReservations: new Counter({
      name: METRICS.budgetReservations,
      help: 'Budget reservations by outcome: granted, denied, replayed (a repeat answered from the first), conflict',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    budgetReservationConflicts: new Counter({
      name: METRICS.budgetReservationConflicts,
      help: 'Requests that reused an idempotency key with different parameters',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    budgetRedisFallbacks: new Counter({
      name: METRICS.budgetRedisFallbacks,
      help: 'Budget operations decided by Postgres alone because Redis did not answer',
      registers: [registry],
    }),
    budgetUnbilledTokens: new Counter({
      name: METRICS.budgetUnbilledTokens,
      help: 'Tokens really spent that could not be charged: the hold had expired and the limit was reached',
      registers: [registry],
    }),
    securityGuardBypass: new Counter({
      name: METRICS.securityGuardBypass,
      help: 'Solutions that reached peer review without passing every guard (refused; must stay 0)',
      registers: [registry],
    }),
    escalationFailures: new Counter({
      name: METRICS.escalationFailures,
      help: 'Escalations that passed their deadline without a decision',
      labelNames: ['reason'],
      registers: [registry],
    }),
    escalationResolutionSeconds: new Histogram({
      name: METRICS.escalationResolutionSeconds,
      help: 'Time from an escalation opening to its decision',
      labelNames: ['source'],
      buckets: [1, 5, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    }),
    tasksFinished: new Counter({
      name: METRICS.tasksFinished,
      help: 'Tasks that ended, by final status (the completion-rate SLO is computed from it)',
      labelNames: ['status'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
