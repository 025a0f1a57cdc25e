import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ALERT_RULES, alertAnnotations, alertLabels, SEVERITY_RECEIVER, type AlertRule } from '../../domain/alerts.js';
import { DEPENDENCY_BREAKERS } from '../../domain/circuit-breaker.js';
import { K8S_NAMESPACE } from '../../domain/deployment.js';
import { METRICS, type MetricName } from '../../domain/metric-names.js';
import { RECORDING_RULES, TASK_FINISHED_STATUS_LABEL, TEMPORAL_TASK_QUEUE_LABEL } from '../../domain/recording-rules.js';
import { differences, generatedFiles, k8sDir } from '../../scripts/k8s/files.js';
import { toYaml, type YamlValue } from '../../scripts/k8s/yaml.js';

/**
 * The generated rules and routing, checked by Prometheus' and Alertmanager's
 * own tools: promtool (Debian's `prometheus`) and amtool (`prometheus-alertmanager`),
 * which `golden stack up` installs. A missing tool fails the test.
 */

const run = promisify(execFile);
const RULES = join(k8sDir(), 'prometheus', 'golden.rules.yml');
const ALERTMANAGER = join(k8sDir(), 'alertmanager', 'alertmanager.yml');

async function tool(name: 'promtool' | 'amtool', args: string[]): Promise<{ code: number; output: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(name, args, { timeout: 60_000 });
    return { code: 0, output: stdout + stderr, stdout };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`${name} is not installed: run \`golden stack up\` (it installs Debian's prometheus and prometheus-alertmanager) or apt-get install them`);
    }
    return { code: Number(e.code), output: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}

const sel = (name: MetricName, labels: Record<string, string> = {}, suffix = '') =>
  `${name}${suffix}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

// Go's formatting, as Prometheus' templates apply it, for the plain values used below.
const goFloat = (v: number) => String(Number(v.toPrecision(15)));
const humanize4g = (v: number) => String(Number(v.toPrecision(4)));
function humanizeDuration(v: number): string {
  if (v < 60) return `${humanize4g(v)}s`;
  const s = Math.trunc(v);
  const [d, h, m, sec] = [Math.trunc(s / 86_400), Math.trunc(s / 3600) % 24, Math.trunc(s / 60) % 60, s % 60];
  if (d > 0) return `${d}d ${h}h ${m}m ${sec}s`;
  if (h > 0) return `${h}h ${m}m ${sec}s`;
  return `${m}m ${sec}s`;
}

/** An alert's annotations with its templates filled in for `labels` and `value`. */
function expandAnnotations(rule: AlertRule, labels: Record<string, string>, value: number): Record<string, string> {
  const fill = (text: string) =>
    text
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? '')
      .replace(/\{\{ \$value \| humanizePercentage \}\}/g, `${humanize4g(value * 100)}%`)
      .replace(/\{\{ \$value \| humanizeDuration \}\}/g, humanizeDuration(value))
      .replace(/\{\{ \$value \}\}/g, goFloat(value));
  return Object.fromEntries(Object.entries(alertAnnotations(rule)).map(([k, v]) => [k, fill(v)]));
}

interface AlertCase {
  alert: string;
  /** promtool input series: selector and expanding notation, one sample a minute. */
  input: [string, string][];
  at: string;
  /** Labels the alert carries besides its own (from the series); absent means it must stay silent. */
  fires?: { labels: Record<string, string>; value: number };
}

const breaker = 'llm:openai:api.openai.com';
const completion = (v: string) => [[sel(METRICS.taskCompletionRate), v]] as [string, string][];

/** For each alert: input on which it fires, and input just inside its threshold on which it stays silent. */
const CASES: AlertCase[] = [
  { alert: 'CircuitBreakerStuckOpen', input: [[sel(METRICS.circuitBreakerState, { name: breaker, service: 'worker-orchestrator' }), '2x15']], at: '10m', fires: { labels: { name: breaker }, value: 2 } },
  // A dead dependency under traffic: OPEN, a failed trial in HALF_OPEN, OPEN again.
  { alert: 'CircuitBreakerStuckOpen', input: [[sel(METRICS.circuitBreakerState, { name: DEPENDENCY_BREAKERS.postgres }), '2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2']], at: '10m', fires: { labels: { name: DEPENDENCY_BREAKERS.postgres }, value: 1 } },
  { alert: 'CircuitBreakerStuckOpen', input: [[sel(METRICS.circuitBreakerState, { name: breaker }), '2x3 0x12']], at: '10m' },
  { alert: 'CircuitBreakerStuckOpen', input: [[sel(METRICS.circuitBreakerState, { name: 'other:dependency' }), '2x15']], at: '10m' },
  { alert: 'DeadLettersPilingUp', input: [[sel(METRICS.dlqMessageCount, { service: 'api' }), '150x10']], at: '5m', fires: { labels: {}, value: 150 } },
  { alert: 'DeadLettersPilingUp', input: [[sel(METRICS.dlqMessageCount, { service: 'api' }), '100x10']], at: '5m' },
  { alert: 'TaskCompletionRateCritical', input: completion('0.8x15'), at: '12m', fires: { labels: {}, value: 0.8 } },
  { alert: 'TaskCompletionRateCritical', input: completion('0.92x15'), at: '12m' },
  { alert: 'TaskCompletionRateLow', input: completion('0.92x15'), at: '12m', fires: { labels: {}, value: 0.92 } },
  { alert: 'TaskCompletionRateLow', input: completion('0.97x15'), at: '12m' },
  { alert: 'SecurityGuardBypassed', input: [[sel(METRICS.securityGuardBypass), '0x5 1x10']], at: '8m', fires: { labels: {}, value: 1 } },
  { alert: 'SecurityGuardBypassed', input: [[sel(METRICS.securityGuardBypass), '0x15']], at: '8m' },
  { alert: 'BudgetConsistencyViolation', input: [[sel(METRICS.budgetConsistencyViolations), '0x5 3x5']], at: '8m', fires: { labels: {}, value: 3 } },
  { alert: 'BudgetConsistencyViolation', input: [[sel(METRICS.budgetConsistencyViolations), '0x10']], at: '8m' },
  { alert: 'SandboxEscapeDetected', input: [[sel(METRICS.sandboxExecutionFailures, { reason: 'escape', runtime: 'runsc' }), '0x5 1x5']], at: '8m', fires: { labels: {}, value: 1 } },
  { alert: 'SandboxEscapeDetected', input: [[sel(METRICS.sandboxExecutionFailures, { reason: 'timeout', runtime: 'runsc' }), '0x5 5x5']], at: '8m' },
  { alert: 'EscalationFailed', input: [[sel(METRICS.escalationFailures, { reason: 'deadline' }), '0x5 1x5']], at: '8m', fires: { labels: {}, value: 1 } },
  { alert: 'EscalationFailed', input: [[sel(METRICS.escalationFailures, { reason: 'deadline' }), '0x10']], at: '8m' },
  { alert: 'PeerReviewConsensusSlow', input: [[sel(METRICS.peerReviewConsensusP95), '240x15']], at: '12m', fires: { labels: {}, value: 240 } },
  { alert: 'PeerReviewConsensusSlow', input: [[sel(METRICS.peerReviewConsensusP95), '180x15']], at: '12m' },
  { alert: 'EscalationBacklogHigh', input: [[sel(METRICS.escalationsUnresolved), '12x15']], at: '12m', fires: { labels: {}, value: 12 } },
  { alert: 'EscalationBacklogHigh', input: [[sel(METRICS.escalationsUnresolved), '10x15']], at: '12m' },
  { alert: 'PromptApprovalOverdue', input: [[sel(METRICS.promptApprovalOverdue, { role: 'developer' }), '0x5 1x10']], at: '8m', fires: { labels: { role: 'developer' }, value: 1 } },
  { alert: 'PromptApprovalOverdue', input: [[sel(METRICS.promptApprovalOverdue, { role: 'developer' }), '0x15']], at: '8m' },
  { alert: 'SandboxTimeoutRateHigh', input: [[sel(METRICS.sandboxTimeoutRatio), '0.1x15']], at: '12m', fires: { labels: {}, value: 0.1 } },
  { alert: 'SandboxTimeoutRateHigh', input: [[sel(METRICS.sandboxTimeoutRatio), '0.05x15']], at: '12m' },
  { alert: 'HttpErrorRateHigh', input: [[sel(METRICS.httpErrorRatio), '0.02x10']], at: '7m', fires: { labels: {}, value: 0.02 } },
  { alert: 'HttpErrorRateHigh', input: [[sel(METRICS.httpErrorRatio), '0.01x10']], at: '7m' },
  { alert: 'EscalationResolutionSlow', input: [[sel(METRICS.escalationResolutionP90), '700x15']], at: '12m', fires: { labels: {}, value: 700 } },
  { alert: 'EscalationResolutionSlow', input: [[sel(METRICS.escalationResolutionP90), '600x15']], at: '12m' },
  { alert: 'WorkflowTaskScheduleToStartHigh', input: [[sel(METRICS.workflowTaskScheduleToStartP95, { task_queue: 'orchestrator' }), '8x10']], at: '7m', fires: { labels: { task_queue: 'orchestrator' }, value: 8 } },
  { alert: 'WorkflowTaskScheduleToStartHigh', input: [[sel(METRICS.workflowTaskScheduleToStartP95, { task_queue: 'orchestrator' }), '5x10']], at: '7m' },
  { alert: 'ActivityScheduleToStartHigh', input: [[sel(METRICS.activityScheduleToStartP95, { task_queue: 'sandbox' }), '90x15']], at: '12m', fires: { labels: { task_queue: 'sandbox' }, value: 90 } },
  { alert: 'ActivityScheduleToStartHigh', input: [[sel(METRICS.activityScheduleToStartP95, { task_queue: 'sandbox' }), '60x15']], at: '12m' },
  {
    alert: 'WorkersScaled',
    input: [[sel(METRICS.hpaDesiredReplicas, { horizontalpodautoscaler: 'worker-sandbox', namespace: K8S_NAMESPACE }), '3x5 6x5']],
    at: '8m',
    fires: { labels: { horizontalpodautoscaler: 'worker-sandbox', namespace: K8S_NAMESPACE }, value: 1 },
  },
  { alert: 'WorkersScaled', input: [[sel(METRICS.hpaDesiredReplicas, { horizontalpodautoscaler: 'worker-sandbox', namespace: K8S_NAMESPACE }), '3x10']], at: '8m' },
  { alert: 'CircuitBreakerHalfOpen', input: [[sel(METRICS.circuitBreakerState, { name: 'llm:x' }), '1x5']], at: '3m', fires: { labels: { name: 'llm:x' }, value: 1 } },
  { alert: 'CircuitBreakerHalfOpen', input: [[sel(METRICS.circuitBreakerState, { name: 'llm:x' }), '0x5']], at: '3m' },
  { alert: 'BudgetReservationsDenied', input: [[sel(METRICS.budgetReservations, { outcome: 'denied' }), '0x5 2x10']], at: '8m', fires: { labels: {}, value: 2 } },
  { alert: 'BudgetReservationsDenied', input: [[sel(METRICS.budgetReservations, { outcome: 'granted' }), '0+5x15']], at: '8m' },
];

/** Recording rules on raw series: each recorded value worked out by hand. */
const RECORDING_CASES: { record: MetricName; input: [string, string][]; labels: Record<string, string>; value: number }[] = [
  {
    record: METRICS.taskCompletionRate,
    input: [
      [sel(METRICS.tasksFinished, { [TASK_FINISHED_STATUS_LABEL]: 'completed' }), '0+8x10'],
      [sel(METRICS.tasksFinished, { [TASK_FINISHED_STATUS_LABEL]: 'failed' }), '0+1x10'],
      [sel(METRICS.tasksFinished, { [TASK_FINISHED_STATUS_LABEL]: 'discarded' }), '0+1x10'],
      [sel(METRICS.tasksFinished, { [TASK_FINISHED_STATUS_LABEL]: 'cancelled' }), '0+50x10'],
    ],
    labels: {},
    value: 0.8,
  },
  {
    // Every review took between 180 and 300 s: p95 interpolates to 180 + 0.95 × 120.
    record: METRICS.peerReviewConsensusP95,
    input: [
      [sel(METRICS.peerReviewConsensusSeconds, { le: '180' }, '_bucket'), '0x10'],
      [sel(METRICS.peerReviewConsensusSeconds, { le: '300' }, '_bucket'), '0+10x10'],
      [sel(METRICS.peerReviewConsensusSeconds, { le: '+Inf' }, '_bucket'), '0+10x10'],
    ],
    labels: {},
    value: 294,
  },
  {
    record: METRICS.sandboxExecutionP95,
    input: [
      [sel(METRICS.sandboxExecutionSeconds, { le: '10', language: 'python' }, '_bucket'), '0x10'],
      [sel(METRICS.sandboxExecutionSeconds, { le: '30', language: 'python' }, '_bucket'), '0+20x10'],
      [sel(METRICS.sandboxExecutionSeconds, { le: '+Inf', language: 'python' }, '_bucket'), '0+20x10'],
    ],
    labels: {},
    value: 29,
  },
  {
    record: METRICS.escalationResolutionP90,
    input: [
      [sel(METRICS.escalationResolutionSeconds, { le: '300' }, '_bucket'), '0x10'],
      [sel(METRICS.escalationResolutionSeconds, { le: '900' }, '_bucket'), '0+10x10'],
      [sel(METRICS.escalationResolutionSeconds, { le: '+Inf' }, '_bucket'), '0+10x10'],
    ],
    labels: {},
    value: 840,
  },
  {
    record: METRICS.sandboxTimeoutRatio,
    input: [
      [sel(METRICS.sandboxTimeouts, { language: 'python' }), '0+1x10'],
      [sel(METRICS.sandboxExecutionSeconds, { language: 'python' }, '_count'), '0+4x10'],
    ],
    labels: {},
    value: 0.25,
  },
  {
    record: METRICS.httpErrorRatio,
    input: [
      [sel(METRICS.httpRequests, { status_code: '503', route: '/tasks' }), '0+1x10'],
      [sel(METRICS.httpRequests, { status_code: '200', route: '/tasks' }), '0+79x10'],
      [sel(METRICS.httpRequests, { status_code: '404', route: '/tasks' }), '0+20x10'],
    ],
    labels: {},
    value: 0.01,
  },
  {
    record: METRICS.taskQueueBacklog,
    input: [
      [sel(METRICS.temporalApproximateBacklog, { [TEMPORAL_TASK_QUEUE_LABEL]: 'sandbox', task_type: 'Activity' }), '7x10'],
      [sel(METRICS.temporalApproximateBacklog, { [TEMPORAL_TASK_QUEUE_LABEL]: 'sandbox', task_type: 'Workflow' }), '3x10'],
    ],
    labels: { [TEMPORAL_TASK_QUEUE_LABEL]: 'sandbox' },
    value: 10,
  },
  {
    record: METRICS.workflowTaskScheduleToStartP95,
    input: [
      [sel(METRICS.temporalWorkflowTaskScheduleToStart, { le: '1', task_queue: 'orchestrator', service: 'worker-orchestrator' }, '_bucket'), '0x10'],
      [sel(METRICS.temporalWorkflowTaskScheduleToStart, { le: '21', task_queue: 'orchestrator', service: 'worker-orchestrator' }, '_bucket'), '0+10x10'],
      [sel(METRICS.temporalWorkflowTaskScheduleToStart, { le: '+Inf', task_queue: 'orchestrator', service: 'worker-orchestrator' }, '_bucket'), '0+10x10'],
    ],
    labels: { task_queue: 'orchestrator' },
    value: 20,
  },
  {
    record: METRICS.activityScheduleToStartP95,
    input: [
      [sel(METRICS.temporalActivityScheduleToStart, { le: '10', task_queue: 'sandbox' }, '_bucket'), '0x10'],
      [sel(METRICS.temporalActivityScheduleToStart, { le: '30', task_queue: 'sandbox' }, '_bucket'), '0+20x10'],
      [sel(METRICS.temporalActivityScheduleToStart, { le: '+Inf', task_queue: 'sandbox' }, '_bucket'), '0+20x10'],
    ],
    labels: { task_queue: 'sandbox' },
    value: 29,
  },
  {
    record: METRICS.hpaDesiredReplicas,
    input: [
      [sel(METRICS.kubeHpaDesiredReplicas, { namespace: K8S_NAMESPACE, horizontalpodautoscaler: 'worker-sandbox' }), '5x10'],
      [sel(METRICS.kubeHpaDesiredReplicas, { namespace: 'other', horizontalpodautoscaler: 'worker-sandbox' }), '9x10'],
    ],
    labels: { namespace: K8S_NAMESPACE, horizontalpodautoscaler: 'worker-sandbox' },
    value: 5,
  },
];

const ruleOf = (name: string) => {
  const rule = ALERT_RULES.rules.find((r) => r.alert === name);
  if (!rule) throw new Error(`no alert ${name}`);
  return rule;
};

const inputSeries = (input: [string, string][]) => input.map(([series, values]) => ({ series, values }));

function promtoolTests(): YamlValue {
  return {
    rule_files: [RULES],
    evaluation_interval: '30s',
    tests: [
      ...CASES.map((c) => {
        const rule = ruleOf(c.alert);
        const labels = c.fires === undefined ? undefined : { ...alertLabels(rule), ...c.fires.labels };
        return {
          interval: '1m',
          input_series: inputSeries(c.input),
          alert_rule_test: [
            {
              eval_time: c.at,
              alertname: c.alert,
              exp_alerts: c.fires === undefined || labels === undefined ? [] : [{ exp_labels: labels, exp_annotations: expandAnnotations(rule, labels, c.fires.value) }],
            },
          ],
        };
      }),
      ...RECORDING_CASES.map((c) => ({
        interval: '1m',
        input_series: inputSeries(c.input),
        promql_expr_test: [{ expr: c.record, eval_time: '10m', exp_samples: [{ labels: sel(c.record, c.labels), value: c.value }] }],
      })),
    ],
  };
}

describe('alert and recording rules, with promtool', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-rules-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the rule file in k8s/ is the generated one', () => {
    assert.deepEqual(
      differences(k8sDir(), generatedFiles()).filter((d) => d.startsWith('prometheus/') || d.startsWith('alertmanager/')),
      [],
    );
  });

  it('promtool check rules accepts every rule', async () => {
    const { code, output } = await tool('promtool', ['check', 'rules', RULES]);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${RECORDING_RULES.rules.length + ALERT_RULES.rules.length} rules found`));
  });

  it('every alert has a case where it fires and one where it stays silent, every recording rule a worked value', () => {
    for (const rule of ALERT_RULES.rules) {
      assert.ok(CASES.some((c) => c.alert === rule.alert && c.fires), `${rule.alert} has a firing case`);
      assert.ok(CASES.some((c) => c.alert === rule.alert && !c.fires), `${rule.alert} has a silent case`);
    }
    const tested = new Set(RECORDING_CASES.map((c) => c.record));
    const untested = RECORDING_RULES.rules.map((r) => r.record).filter((r) => !tested.has(r));
    // hpa_current_replicas is the same selection as hpa_desired_replicas on its own kube-state-metrics series.
    assert.deepEqual(untested, [METRICS.hpaCurrentReplicas]);
  });

  it('promtool test rules: each alert fires on its input and stays silent just inside its threshold; recorded values are right', async () => {
    const file = join(dir, 'golden.rules.test.yml');
    writeFileSync(file, toYaml(promtoolTests()));
    const { code, output } = await tool('promtool', ['test', 'rules', file]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });

  it('promtool test rules fails when an alert is expected but silent (the tests can fail)', async () => {
    const file = join(dir, 'wrong.test.yml');
    const quiet = CASES.find((c) => c.alert === 'DeadLettersPilingUp' && !c.fires)!;
    const rule = ruleOf(quiet.alert);
    writeFileSync(
      file,
      toYaml({
        rule_files: [RULES],
        evaluation_interval: '30s',
        tests: [
          {
            interval: '1m',
            input_series: inputSeries(quiet.input),
            alert_rule_test: [{ eval_time: quiet.at, alertname: quiet.alert, exp_alerts: [{ exp_labels: alertLabels(rule) }] }],
          },
        ],
      }),
    );
    const { code, output } = await tool('promtool', ['test', 'rules', file]);
    assert.notEqual(code, 0, output);
    assert.match(output, /DeadLettersPilingUp/);
  });
});

describe('Alertmanager routing, with amtool', () => {
  it('amtool check-config accepts the generated config', async () => {
    const { code, output } = await tool('amtool', ['check-config', ALERTMANAGER]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
    assert.match(output, /3 receivers/);
    assert.match(output, /1 inhibit rules/);
  });

  it('routes each severity to its receiver (amtool config routes test)', async () => {
    for (const [severity, receiver] of Object.entries(SEVERITY_RECEIVER)) {
      const { code, output, stdout } = await tool('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER}`, '--verify.receivers', receiver, `severity=${severity}`, 'alertname=Any']);
      assert.equal(code, 0, `${severity}: ${output}`);
      assert.equal(stdout.trim(), receiver);
    }
  });
});
