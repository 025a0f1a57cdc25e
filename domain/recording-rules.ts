import { K8S_NAMESPACE } from './deployment.js';
import { METRICS, type MetricName } from './metric-names.js';

/**
 * Small PromQL builders, so alert and recording-rule expressions take metric
 * names from domain/metric-names.ts instead of spelling them again.
 */

export type LabelMatchers = Readonly<Record<string, string | { re: string } | { not: string }>>;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function matcher(label: string, value: LabelMatchers[string]): string {
  if (!LABEL_NAME.test(label)) throw new Error(`"${label}" is not a Prometheus label name`);
  if (typeof value === 'string') return `${label}=${JSON.stringify(value)}`;
  if ('re' in value) return `${label}=~${JSON.stringify(value.re)}`;
  return `${label}!=${JSON.stringify(value.not)}`;
}

/** `name{label="value",…}`; a histogram's `_bucket`/`_count` series via `suffix`. */
export function series(name: MetricName, labels: LabelMatchers = {}, suffix: '' | '_bucket' | '_count' | '_sum' = ''): string {
  const entries = Object.entries(labels);
  const body = entries.map(([label, value]) => matcher(label, value)).join(',');
  return `${name}${suffix}${entries.length > 0 ? `{${body}}` : ''}`;
}

/** `sum [by (…)] (rate(selector[window]))`. */
export function sumRate(selector: string, window: string, by: readonly string[] = []): string {
  const grouping = by.length > 0 ? ` by (${by.join(', ')})` : '';
  return `sum${grouping} (rate(${selector}[${window}]))`;
}

/** The q-quantile of a histogram over `window`, across every series but `by`. */
export function histogramQuantile(q: number, histogram: MetricName, window: string, by: readonly string[] = []): string {
  if (!(q > 0 && q < 1)) throw new Error(`quantile must be between 0 and 1, got ${q}`);
  return `histogram_quantile(${q}, ${sumRate(series(histogram, {}, '_bucket'), window, ['le', ...by])})`;
}

/**
 * The metric names a PromQL expression reads: what is left once strings,
 * label matchers, grouping clauses, range selectors, function names and
 * keywords are taken out; a histogram's series keep their _bucket/_count/_sum
 * suffix. Good for the expressions built here, not a PromQL parser.
 */
const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

export function metricNamesIn(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b(\s*\()?/g)) {
    const [, word, call] = match;
    if (call !== undefined || PROMQL_KEYWORDS.has(word!)) continue;
    names.add(word!);
  }
  return names;
}

/** True when `name` is one of `known`, or a histogram series (_bucket, _count, _sum) of one. */
export function isKnownSeries(name: string, known: ReadonlySet<string>): boolean {
  return known.has(name) || known.has(name.replace(/_(bucket|count|sum)$/, ''));
}

/** The rate window of every SLO series: long enough to smooth one slow task, short enough to page in minutes. */
export const SLO_WINDOW = '5m';

/** The label `tasks_finished_total` carries a task's final status under (values from domain/task-status.ts). */
export const TASK_FINISHED_STATUS_LABEL = 'status';

/** The label Temporal Server puts a task queue's name under on its matching metrics. */
export const TEMPORAL_TASK_QUEUE_LABEL = 'taskqueue';

/** The label the Temporal SDK puts a task queue's name under on the metrics workers serve. */
export const SDK_TASK_QUEUE_LABEL = 'task_queue';

export interface RecordingRule {
  record: MetricName;
  expr: string;
  /** What the series means, for the README and anyone reading a dashboard. */
  meaning: string;
}

export interface RuleGroup<R> {
  name: string;
  /** How often Prometheus evaluates the group. */
  interval: string;
  rules: readonly R[];
}

/**
 * Recording rules for the seed's SLO series. Alerts, dashboards and the
 * autoscaler read these names, so each formula is written once, here.
 */
export const RECORDING_RULES: RuleGroup<RecordingRule> = {
  name: 'golden-slo-recording',
  interval: '30s',
  rules: [
    {
      record: METRICS.taskCompletionRate,
      // A cancelled task was stopped by a person, not failed by the system, so it counts on neither side.
      expr: `${sumRate(series(METRICS.tasksFinished, { [TASK_FINISHED_STATUS_LABEL]: 'completed' }), SLO_WINDOW)} / ${sumRate(
        series(METRICS.tasksFinished, { [TASK_FINISHED_STATUS_LABEL]: { not: 'cancelled' } }),
        SLO_WINDOW,
      )}`,
      meaning: 'share of finished tasks that completed (cancelled ones left out)',
    },
    {
      record: METRICS.peerReviewConsensusP95,
      expr: histogramQuantile(0.95, METRICS.peerReviewConsensusSeconds, SLO_WINDOW),
      meaning: 'p95 of the time from the start of a peer review to its consensus, in seconds',
    },
    {
      record: METRICS.sandboxExecutionP95,
      expr: histogramQuantile(0.95, METRICS.sandboxExecutionSeconds, SLO_WINDOW),
      meaning: 'p95 wall-clock time of sandbox runs, in seconds',
    },
    {
      record: METRICS.escalationResolutionP90,
      expr: histogramQuantile(0.9, METRICS.escalationResolutionSeconds, SLO_WINDOW),
      meaning: 'p90 of the time from an escalation being opened to its resolution, in seconds',
    },
    {
      record: METRICS.sandboxTimeoutRatio,
      expr: `${sumRate(series(METRICS.sandboxTimeouts), SLO_WINDOW)} / ${sumRate(series(METRICS.sandboxExecutionSeconds, {}, '_count'), SLO_WINDOW)}`,
      meaning: 'share of sandbox runs killed at their wall-clock timeout',
    },
    {
      record: METRICS.httpErrorRatio,
      expr: `${sumRate(series(METRICS.httpRequests, { status_code: { re: '5..' } }), SLO_WINDOW)} / ${sumRate(series(METRICS.httpRequests), SLO_WINDOW)}`,
      meaning: 'share of API requests answered with a 5xx status',
    },
    {
      record: METRICS.taskQueueBacklog,
      // Workflow and activity tasks of a queue added up: one worker deployment polls both.
      expr: `sum by (${TEMPORAL_TASK_QUEUE_LABEL}) (${series(METRICS.temporalApproximateBacklog)})`,
      meaning: "tasks waiting in each Temporal task queue (Temporal Server's approximate backlog), the autoscaler's input",
    },
    {
      record: METRICS.workflowTaskScheduleToStartP95,
      expr: histogramQuantile(0.95, METRICS.temporalWorkflowTaskScheduleToStart, SLO_WINDOW, [SDK_TASK_QUEUE_LABEL]),
      meaning: 'p95 of how long workflow tasks wait for a worker to pick them up, per task queue, in seconds (Temporal SDK)',
    },
    {
      record: METRICS.activityScheduleToStartP95,
      expr: histogramQuantile(0.95, METRICS.temporalActivityScheduleToStart, SLO_WINDOW, [SDK_TASK_QUEUE_LABEL]),
      meaning: 'p95 of how long activity tasks wait for a worker to pick them up, per task queue, in seconds (Temporal SDK)',
    },
    {
      record: METRICS.hpaCurrentReplicas,
      expr: series(METRICS.kubeHpaCurrentReplicas, { namespace: K8S_NAMESPACE }),
      meaning: 'pods each HorizontalPodAutoscaler runs now (from kube-state-metrics)',
    },
    {
      record: METRICS.hpaDesiredReplicas,
      expr: series(METRICS.kubeHpaDesiredReplicas, { namespace: K8S_NAMESPACE }),
      meaning: 'pods each HorizontalPodAutoscaler wants (from kube-state-metrics)',
    },
  ],
};
