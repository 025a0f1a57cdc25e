import { deploymentName } from './deployment.js';
import { scalingQuery } from './keda-triggers.js';
import { METRICS, type MetricName } from './metric-names.js';
import { histogramQuantile, series, SLO_WINDOW, sumRate, TASK_FINISHED_STATUS_LABEL } from './recording-rules.js';
import { WORKER_SCALING } from './scaling.js';
import { TASK_QUEUES } from './task-queues.js';

/**
 * The operator dashboard: the seed's security, reliability, performance and
 * scaling rows, every query built from the metric names in metric-names.ts
 * (the recording rules' series included). scripts/k8s/dashboard.ts writes it
 * as Grafana JSON; a test checks that each query names only known series.
 */

export interface DashboardQuery {
  expr: string;
  /** Grafana's legend template, e.g. `{{name}}`. */
  legend: string;
}

export interface DashboardPanel {
  title: string;
  /** A Grafana unit id: `short`, `s`, `percentunit`, `reqps`. */
  unit: 'short' | 's' | 'percentunit' | 'reqps';
  queries: readonly DashboardQuery[];
}

export interface DashboardRow {
  title: 'Security' | 'Reliability' | 'Performance' | 'Scaling';
  panels: readonly DashboardPanel[];
}

export const DASHBOARD_UID = 'golden-architecture';
export const DASHBOARD_TITLE = 'Golden Architecture';

/** A window long enough that a single rare event (a bypass, an escape) stays on the graph for a while. */
const EVENT_WINDOW = '15m';

const q = (expr: string, legend: string): DashboardQuery => ({ expr, legend });
const increase = (name: MetricName, labels: Parameters<typeof series>[1] = {}, by: readonly string[] = []) =>
  `sum${by.length > 0 ? ` by (${by.join(', ')})` : ''} (increase(${series(name, labels)}[${EVENT_WINDOW}]))`;
const p95 = (name: MetricName) => q(series(name), 'p95');

/** What each worker's Prometheus triggers read, exactly as the autoscaler queries it. */
function autoscalerInputs(): DashboardQuery[] {
  return TASK_QUEUES.flatMap((queue) =>
    WORKER_SCALING[queue].signals.flatMap((s) =>
      s.kind === 'average' || s.kind === 'value' ? [q(scalingQuery(s), `${deploymentName(queue)}: ${s.metric}`)] : [],
    ),
  );
}

export const DASHBOARD_ROWS: readonly DashboardRow[] = [
  {
    title: 'Security',
    panels: [
      { title: 'Permission denials by role', unit: 'reqps', queries: [q(sumRate(series(METRICS.rbacPermissionDenied), SLO_WINDOW, ['role']), '{{role}}')] },
      { title: 'LLM outputs rejected by reason', unit: 'reqps', queries: [q(sumRate(series(METRICS.llmValidationFailures), SLO_WINDOW, ['reason']), '{{reason}}')] },
      { title: `Security guard bypasses (${EVENT_WINDOW})`, unit: 'short', queries: [q(increase(METRICS.securityGuardBypass), 'bypasses')] },
      { title: 'Sandbox failures by reason (escape is critical)', unit: 'reqps', queries: [q(sumRate(series(METRICS.sandboxExecutionFailures), SLO_WINDOW, ['reason']), '{{reason}}')] },
    ],
  },
  {
    title: 'Reliability',
    panels: [
      { title: 'Task completion rate', unit: 'percentunit', queries: [q(series(METRICS.taskCompletionRate), 'completed / finished')] },
      {
        title: 'Tasks finished by status',
        unit: 'reqps',
        queries: [q(sumRate(series(METRICS.tasksFinished), SLO_WINDOW, [TASK_FINISHED_STATUS_LABEL]), `{{${TASK_FINISHED_STATUS_LABEL}}}`)],
      },
      { title: 'Circuit breakers (0 closed, 1 half-open, 2 open)', unit: 'short', queries: [q(`max by (name) (${series(METRICS.circuitBreakerState)})`, '{{name}}')] },
      { title: 'Dead letters', unit: 'short', queries: [q(`max(${series(METRICS.dlqMessageCount)})`, 'unresolved')] },
      {
        title: 'Budget conflicts and consistency',
        unit: 'short',
        queries: [
          q(increase(METRICS.budgetReservationConflicts), `conflicts (${EVENT_WINDOW})`),
          q(`max(${series(METRICS.budgetConsistencyViolations)})`, 'consistency violations'),
        ],
      },
      { title: `Escalation failures (${EVENT_WINDOW})`, unit: 'short', queries: [q(increase(METRICS.escalationFailures), 'failures')] },
      { title: 'API 5xx ratio', unit: 'percentunit', queries: [q(series(METRICS.httpErrorRatio), '5xx / all')] },
    ],
  },
  {
    title: 'Performance',
    panels: [
      { title: 'Peer review consensus time', unit: 's', queries: [p95(METRICS.peerReviewConsensusP95)] },
      { title: 'Sandbox execution time', unit: 's', queries: [p95(METRICS.sandboxExecutionP95)] },
      { title: 'Sandbox timeout ratio', unit: 'percentunit', queries: [q(series(METRICS.sandboxTimeoutRatio), 'timeouts / runs')] },
      { title: 'Escalation resolution time', unit: 's', queries: [q(series(METRICS.escalationResolutionP90), 'p90')] },
      { title: 'API request time p95 by route', unit: 's', queries: [q(histogramQuantile(0.95, METRICS.httpRequestDuration, SLO_WINDOW, ['route']), '{{route}}')] },
      { title: 'LLM request time p95 by provider', unit: 's', queries: [q(histogramQuantile(0.95, METRICS.llmRequestDuration, SLO_WINDOW, ['provider']), '{{provider}}')] },
    ],
  },
  {
    title: 'Scaling',
    panels: [
      { title: 'Task queue backlog', unit: 'short', queries: [q(series(METRICS.taskQueueBacklog), '{{taskqueue}}')] },
      {
        title: 'Replicas: current and desired',
        unit: 'short',
        queries: [
          q(series(METRICS.hpaCurrentReplicas), '{{horizontalpodautoscaler}} current'),
          q(series(METRICS.hpaDesiredReplicas), '{{horizontalpodautoscaler}} desired'),
        ],
      },
      { title: 'Autoscaler inputs (the Prometheus triggers)', unit: 'short', queries: autoscalerInputs() },
    ],
  },
];
