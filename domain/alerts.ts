import { BREAKER_STATE_GAUGE, DEPENDENCY_BREAKERS } from './circuit-breaker.js';
import { METRICS } from './metric-names.js';
import { SDK_TASK_QUEUE_LABEL, series, type RuleGroup } from './recording-rules.js';

/**
 * The seed's alerts ("Alert Priorities" and component 7's SLO alerts) as
 * Prometheus alerting rules, and where each severity is routed.
 */

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The seed: critical pages immediately, warning goes to chat and email, info is for dashboards only. */
export const SEVERITY_RECEIVER = { critical: 'pager', warning: 'chat-and-email', info: 'dashboard-only' } as const satisfies Record<AlertSeverity, string>;

/** The seed's thresholds, one place; the rule tests feed values on both sides of each. */
export const ALERT_THRESHOLDS = {
  breakerStuckOpenFor: '5m',
  deadLetters: 100,
  taskCompletionCritical: 0.9,
  taskCompletionWarning: 0.95,
  peerReviewP95Seconds: 180,
  escalationBacklog: 10,
  escalationResolutionP90Seconds: 600,
  sandboxTimeoutRatio: 0.05,
  httpErrorRatio: 0.01,
  /** Workflow tasks are short; waiting seconds for a worker means the queue's pollers are starved. */
  workflowTaskScheduleToStartP95Seconds: 5,
  /** Activity tasks may queue while the autoscaler catches up; a minute at p95 means it is not keeping up. */
  activityScheduleToStartP95Seconds: 60,
} as const;

/**
 * Breakers guarding a dependency a task cannot go on without: Postgres, Redis,
 * Docker and the LLM endpoints (lib/llm names them `llm:<provider>:<host>`).
 * A full-match regex; any other breaker only shows on the dashboard.
 */
export const CRITICAL_BREAKER_PATTERN = [...Object.values(DEPENDENCY_BREAKERS), 'llm:.+'].join('|');

/** Where an alert's runbook lives: the README table lists what to do for each alert by name. */
export const RUNBOOK_DOC = 'README.md#alert-runbooks';

export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires. */
  for: string;
  severity: AlertSeverity;
  /** Alerts that watch the same SLO at two severities share this, so Alertmanager can silence the warning while the page is out. */
  slo?: string;
  summary: string;
  description: string;
  /** The first thing an operator does; the README's runbook table repeats it. */
  runbook: string;
}

const T = ALERT_THRESHOLDS;
const breakerState = (names?: string) => `max by (name) (${series(METRICS.circuitBreakerState, names === undefined ? {} : { name: { re: names } })})`;
/** Any increase of a counter in the last 5 minutes: for events that must never happen. */
const anyIncrease = (selector: string, window = '5m') => `sum(increase(${selector}[${window}])) > 0`;

export const ALERT_RULES: RuleGroup<AlertRule> = {
  name: 'golden-alerts',
  interval: '30s',
  rules: [
    // Critical: page immediately.
    {
      alert: 'CircuitBreakerStuckOpen',
      // Not CLOSED, rather than == OPEN: under traffic a breaker on a dead dependency goes OPEN, HALF_OPEN
      // (a failed trial) and OPEN again every openMs, and a scrape may land on either.
      expr: `${breakerState(CRITICAL_BREAKER_PATTERN)} >= ${BREAKER_STATE_GAUGE.HALF_OPEN}`,
      for: T.breakerStuckOpenFor,
      severity: 'critical',
      summary: 'Circuit breaker {{ $labels.name }} has not closed for more than 5 minutes',
      description: 'Calls to {{ $labels.name }} fail fast and its trial calls keep failing; tasks needing it wait in retries.',
      runbook: 'Check the dependency the breaker names (Postgres, Redis, Docker or an LLM endpoint); when it answers again the breaker closes after its next trial call.',
    },
    {
      alert: 'DeadLettersPilingUp',
      expr: `max(${series(METRICS.dlqMessageCount)}) > ${T.deadLetters}`,
      for: '1m',
      severity: 'critical',
      summary: 'More than 100 unresolved dead letters ({{ $value }})',
      description: 'Workflow steps keep exhausting their retries; each waits for a re-drive or a discard.',
      runbook: 'golden dlq list --resolved false; fix the common cause, then golden dlq redrive (or discard) each.',
    },
    {
      alert: 'TaskCompletionRateCritical',
      expr: `${series(METRICS.taskCompletionRate)} < ${T.taskCompletionCritical}`,
      for: '10m',
      severity: 'critical',
      slo: 'task-completion',
      summary: 'Task completion rate {{ $value | humanizePercentage }} is below 90%',
      description: 'More than one finished task in ten failed or was discarded over the last 5 minutes.',
      runbook: 'Read failed tasks\' timelines (golden task history) for the common failing step; check breaker, budget and sandbox alerts first.',
    },
    {
      alert: 'SecurityGuardBypassed',
      expr: anyIncrease(series(METRICS.securityGuardBypass)),
      for: '0s',
      severity: 'critical',
      summary: 'A security guard was bypassed',
      description: 'A solution moved on without a guard\'s verdict on its exact version.',
      runbook: "Cancel the affected task (golden task cancel), read its timeline (golden task history) and the audit log, and treat its output as untrusted.",
    },
    {
      alert: 'BudgetConsistencyViolation',
      expr: `max(${series(METRICS.budgetConsistencyViolations)}) > 0`,
      for: '0s',
      severity: 'critical',
      summary: 'Budget counters disagree with the ledger ({{ $value }} violations)',
      description: 'The last reconciliation found Redis counters that do not match the Postgres ledger.',
      runbook: 'Run golden budget status for the tenants concerned and compare with the ledger; the next reconciliation rewrites Redis from Postgres.',
    },
    {
      alert: 'SandboxEscapeDetected',
      expr: anyIncrease(series(METRICS.sandboxExecutionFailures, { reason: 'escape' })),
      for: '0s',
      severity: 'critical',
      summary: 'A sandbox run failed its containment check',
      description: 'A sandbox container could not be shown to be contained; the run was refused. This must stay at zero.',
      runbook: 'Stop the sandbox workers, inspect the runtime (runsc) and Docker host, and rerun the sandbox escape suite before starting them again.',
    },
    {
      alert: 'EscalationFailed',
      expr: anyIncrease(series(METRICS.escalationFailures)),
      for: '0s',
      severity: 'critical',
      summary: 'An escalation failed',
      description: 'An EscalationWorkflow could not reach a decision; its task waits for a person.',
      runbook: 'golden escalation list --status failed, then decide its task by hand (golden escalation resolve) or re-drive its dead letter.',
    },
    // Warning: chat and email.
    {
      alert: 'PeerReviewConsensusSlow',
      expr: `${series(METRICS.peerReviewConsensusP95)} > ${T.peerReviewP95Seconds}`,
      for: '10m',
      severity: 'warning',
      summary: 'Peer review p95 consensus time is {{ $value | humanizeDuration }} (SLO 180 s)',
      description: 'Reviews take longer than the SLO; the peer-hub should be scaling out.',
      runbook: 'Check the peer-hub replicas (golden scale, kubectl get hpa) and the LLM latency; raise the peer-hub maximum if it is pinned there.',
    },
    {
      alert: 'EscalationBacklogHigh',
      expr: `max(${series(METRICS.escalationsUnresolved)}) > ${T.escalationBacklog}`,
      for: '10m',
      severity: 'warning',
      summary: '{{ $value }} escalations are unresolved (more than 10)',
      description: 'Escalations wait for a decision longer than people answer them.',
      runbook: 'golden escalation list, decide the oldest first (golden escalation resolve); call in a second operator if the backlog keeps growing.',
    },
    {
      alert: 'PromptApprovalOverdue',
      expr: `sum by (role) (increase(${series(METRICS.promptApprovalOverdue)}[1h])) > 0`,
      for: '0s',
      severity: 'warning',
      summary: 'A prompt update for {{ $labels.role }} has waited for approval for more than 24 hours',
      description: 'Learning for this role is blocked until someone approves or rejects the update.',
      runbook: 'golden prompt list --status pending_approval, then golden prompt approve or reject the update.',
    },
    {
      alert: 'SandboxTimeoutRateHigh',
      expr: `${series(METRICS.sandboxTimeoutRatio)} > ${T.sandboxTimeoutRatio}`,
      for: '10m',
      severity: 'warning',
      summary: 'Sandbox timeout rate {{ $value | humanizePercentage }} is above 5%',
      description: 'Sandbox runs hit their wall-clock limit; the workers may be overloaded or the limit too low.',
      runbook: `Compare ${METRICS.sandboxExecutionP95} with SANDBOX_TIMEOUT_SECONDS; check the sandbox replicas and host load before raising the limit.`,
    },
    {
      alert: 'HttpErrorRateHigh',
      expr: `${series(METRICS.httpErrorRatio)} > ${T.httpErrorRatio}`,
      for: '5m',
      severity: 'warning',
      summary: 'API 5xx rate {{ $value | humanizePercentage }} is above 1%',
      description: 'The API fails requests; /readyz says which dependency is down.',
      runbook: 'curl the API\'s /readyz, then read the API log for the failing route.',
    },
    {
      alert: 'EscalationResolutionSlow',
      expr: `${series(METRICS.escalationResolutionP90)} > ${T.escalationResolutionP90Seconds}`,
      for: '10m',
      severity: 'warning',
      summary: 'Escalation resolution p90 is {{ $value | humanizeDuration }} (SLO 600 s)',
      description: 'Escalations take longer than the SLO to be resolved.',
      runbook: 'Check the supervisor replicas and the escalation backlog; add an operator on call if people are the bottleneck.',
    },
    {
      alert: 'TaskCompletionRateLow',
      expr: `${series(METRICS.taskCompletionRate)} < ${T.taskCompletionWarning}`,
      for: '10m',
      severity: 'warning',
      slo: 'task-completion',
      summary: 'Task completion rate {{ $value | humanizePercentage }} is below 95%',
      description: 'Failed tasks eat the error budget of the completion SLO.',
      runbook: 'As for TaskCompletionRateCritical, before it pages.',
    },
    {
      alert: 'WorkflowTaskScheduleToStartHigh',
      expr: `max by (${SDK_TASK_QUEUE_LABEL}) (${series(METRICS.workflowTaskScheduleToStartP95)}) > ${T.workflowTaskScheduleToStartP95Seconds}`,
      for: '5m',
      severity: 'warning',
      summary: 'Workflow tasks on {{ $labels.task_queue }} wait {{ $value | humanizeDuration }} (p95) for a worker',
      description: 'The queue has too few workflow pollers, or its workers are overloaded or stuck: every workflow on it advances late.',
      runbook: 'golden scale shows the queue\'s backlog and workers; check the workers\' /readyz and CPU, then the deployment\'s replicas.',
    },
    {
      alert: 'ActivityScheduleToStartHigh',
      expr: `max by (${SDK_TASK_QUEUE_LABEL}) (${series(METRICS.activityScheduleToStartP95)}) > ${T.activityScheduleToStartP95Seconds}`,
      for: '10m',
      severity: 'warning',
      summary: 'Activities on {{ $labels.task_queue }} wait {{ $value | humanizeDuration }} (p95) for a worker',
      description: 'The autoscaler is not keeping up with the queue\'s backlog, or it is at its maximum replicas.',
      runbook: 'golden scale shows the queue\'s backlog and the replicas it wants; raise the maximum replicas if it is pinned there.',
    },
    // Info: dashboard only.
    {
      alert: 'WorkersScaled',
      expr: `changes(${series(METRICS.hpaDesiredReplicas)}[10m]) > 0`,
      for: '0s',
      severity: 'info',
      summary: '{{ $labels.horizontalpodautoscaler }} changed its desired replicas',
      description: 'An autoscaler scaled its deployment in the last 10 minutes.',
      runbook: 'None needed; look at the queue backlog if it keeps flapping.',
    },
    {
      alert: 'CircuitBreakerHalfOpen',
      expr: `${breakerState()} == ${BREAKER_STATE_GAUGE.HALF_OPEN}`,
      for: '0s',
      severity: 'info',
      summary: 'Circuit breaker {{ $labels.name }} is HALF_OPEN, testing recovery',
      description: 'A trial call decides whether the breaker closes or opens again.',
      runbook: 'None needed; it closes by itself when the trial call succeeds.',
    },
    {
      alert: 'BudgetReservationsDenied',
      expr: anyIncrease(series(METRICS.budgetReservations, { outcome: 'denied' }), '15m'),
      for: '0s',
      severity: 'info',
      summary: 'Budget reservations were denied in the last 15 minutes',
      description: 'A tenant reached its token limit; its tasks wait or fail until the limit is raised or the period ends.',
      runbook: 'golden budget status --tenant <tenant>; raise the limit with golden budget set-limit if that is intended.',
    },
  ],
};

/** Labels and annotations an alert carries in the rule file. */
export function alertLabels(rule: AlertRule): Record<string, string> {
  return { severity: rule.severity, ...(rule.slo === undefined ? {} : { slo: rule.slo }) };
}

export function alertAnnotations(rule: AlertRule): Record<string, string> {
  return { summary: rule.summary, description: rule.description, runbook: rule.runbook, runbook_url: RUNBOOK_DOC };
}
