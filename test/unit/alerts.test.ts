import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALERT_RULES, ALERT_SEVERITIES, alertAnnotations, alertLabels, CRITICAL_BREAKER_PATTERN, SEVERITY_RECEIVER, type AlertSeverity } from '../../domain/alerts.js';
import { BREAKER_STATE_GAUGE, DEPENDENCY_BREAKERS } from '../../domain/circuit-breaker.js';
import { METRICS } from '../../domain/metric-names.js';
import { isKnownSeries, metricNamesIn, RECORDING_RULES } from '../../domain/recording-rules.js';
import { projectRoot } from '../../lib/paths.js';

/** The seed's "Alert Priorities" and component 7's SLO alerts, plus the issue's sandbox escape and escalation failures. */
const SEED_ALERTS: Record<string, AlertSeverity> = {
  CircuitBreakerStuckOpen: 'critical',
  DeadLettersPilingUp: 'critical',
  TaskCompletionRateCritical: 'critical',
  SecurityGuardBypassed: 'critical',
  BudgetConsistencyViolation: 'critical',
  SandboxEscapeDetected: 'critical',
  EscalationFailed: 'critical',
  PeerReviewConsensusSlow: 'warning',
  EscalationBacklogHigh: 'warning',
  PromptApprovalOverdue: 'warning',
  SandboxTimeoutRateHigh: 'warning',
  HttpErrorRateHigh: 'warning',
  EscalationResolutionSlow: 'warning',
  TaskCompletionRateLow: 'warning',
  WorkflowTaskScheduleToStartHigh: 'warning',
  ActivityScheduleToStartHigh: 'warning',
  WorkersScaled: 'info',
  CircuitBreakerHalfOpen: 'info',
  BudgetReservationsDenied: 'info',
};

const rule = (name: string) => ALERT_RULES.rules.find((r) => r.alert === name)!;

describe('alert rules', () => {
  it("hold exactly the seed's alerts at the seed's severities", () => {
    assert.deepEqual(Object.fromEntries(ALERT_RULES.rules.map((r) => [r.alert, r.severity])), SEED_ALERTS);
  });

  it('carry a summary, a description, a runbook and a duration each', () => {
    for (const r of ALERT_RULES.rules) {
      assert.match(r.alert, /^[A-Z][A-Za-z0-9]+$/);
      assert.match(r.for, /^\d+[smh]$/, `${r.alert}: for`);
      for (const text of [r.summary, r.description, r.runbook]) assert.ok(text.length > 10, `${r.alert}: annotation text`);
      assert.deepEqual(Object.keys(alertAnnotations(r)).sort(), ['description', 'runbook', 'runbook_url', 'summary']);
      assert.equal(alertLabels(r).severity, r.severity);
    }
  });

  it('read only metrics defined in domain/metric-names.ts or recorded by the rules', () => {
    const known = new Set<string>(Object.values(METRICS));
    const recorded = new Set<string>(RECORDING_RULES.rules.map((r) => r.record));
    for (const r of ALERT_RULES.rules) {
      const names = metricNamesIn(r.expr);
      assert.ok(names.size > 0, `${r.alert} reads a metric`);
      for (const name of names) assert.ok(isKnownSeries(name, known), `${r.alert} reads ${name}, which domain/metric-names.ts does not define`);
      // An SLO alert reads the recorded series, so the formula lives in one place.
      for (const name of names) {
        if (name.endsWith('_p95') || name.endsWith('_p90') || name.endsWith('_ratio') || name.endsWith('_rate')) assert.ok(recorded.has(name), `${name} is recorded`);
      }
    }
  });

  it("use the seed's thresholds", () => {
    assert.match(rule('DeadLettersPilingUp').expr, / > 100$/);
    assert.match(rule('TaskCompletionRateCritical').expr, / < 0.9$/);
    assert.match(rule('TaskCompletionRateLow').expr, / < 0.95$/);
    assert.match(rule('PeerReviewConsensusSlow').expr, / > 180$/);
    assert.match(rule('EscalationBacklogHigh').expr, / > 10$/);
    assert.match(rule('EscalationResolutionSlow').expr, / > 600$/);
    assert.match(rule('SandboxTimeoutRateHigh').expr, / > 0.05$/);
    assert.match(rule('HttpErrorRateHigh').expr, / > 0.01$/);
    assert.equal(rule('CircuitBreakerStuckOpen').for, '5m');
    assert.match(rule('CircuitBreakerStuckOpen').expr, new RegExp(`>= ${BREAKER_STATE_GAUGE.HALF_OPEN}$`), 'not CLOSED: OPEN and failing trials alternate');
    assert.match(rule('CircuitBreakerHalfOpen').expr, new RegExp(`== ${BREAKER_STATE_GAUGE.HALF_OPEN}$`));
    assert.match(rule('SandboxEscapeDetected').expr, /reason="escape"/);
  });

  it('page for a stuck breaker only on a critical dependency', () => {
    const critical = new RegExp(`^(?:${CRITICAL_BREAKER_PATTERN})$`);
    for (const name of [...Object.values(DEPENDENCY_BREAKERS), 'llm:openai:api.openai.com']) assert.ok(critical.test(name), name);
    for (const name of ['llm:', 'other', 'postgresql', 'xredis']) assert.ok(!critical.test(name), name);
    assert.ok(rule('CircuitBreakerStuckOpen').expr.includes(JSON.stringify(CRITICAL_BREAKER_PATTERN)));
  });

  it('pair the two completion alerts under one slo label, so the page silences the warning', () => {
    assert.equal(rule('TaskCompletionRateCritical').slo, 'task-completion');
    assert.equal(rule('TaskCompletionRateLow').slo, 'task-completion');
    assert.equal(ALERT_RULES.rules.filter((r) => r.slo !== undefined).length, 2);
  });

  it('route each severity to its own receiver', () => {
    assert.deepEqual(Object.keys(SEVERITY_RECEIVER), [...ALERT_SEVERITIES]);
    assert.equal(new Set(Object.values(SEVERITY_RECEIVER)).size, ALERT_SEVERITIES.length);
  });

  it("are listed by name in the README's runbook table with their runbook", () => {
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    const start = readme.indexOf('### Alert runbooks');
    assert.ok(start >= 0, 'README has an "### Alert runbooks" section');
    const table = readme.slice(start, readme.indexOf('\n## ', start));
    for (const r of ALERT_RULES.rules) {
      const row = table.split('\n').find((l) => l.startsWith(`| ${r.alert} |`));
      assert.ok(row, `README runbook table lists ${r.alert}`);
      const cells = row.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
      assert.deepEqual(cells.slice(1, 5), [r.alert, r.severity, `\`${r.expr}\`${r.for === '0s' ? '' : ` for ${r.for}`}`, r.runbook], `${r.alert} row matches domain/alerts.ts`);
    }
  });
});
