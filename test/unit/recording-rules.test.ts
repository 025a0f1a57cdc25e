import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METRICS } from '../../domain/metric-names.js';
import { histogramQuantile, isKnownSeries, metricNamesIn, RECORDING_RULES, series, sumRate } from '../../domain/recording-rules.js';

describe('PromQL builders', () => {
  it('writes selectors with quoted, escaped matchers', () => {
    assert.equal(series(METRICS.httpRequests), METRICS.httpRequests);
    assert.equal(
      series(METRICS.httpRequests, { status_code: { re: '5..' }, route: '/tasks', method: { not: 'GET' } }),
      `${METRICS.httpRequests}{status_code=~"5..",route="/tasks",method!="GET"}`,
    );
    assert.equal(series(METRICS.circuitBreakerState, { name: 'a"b' }), `${METRICS.circuitBreakerState}{name="a\\"b"}`);
    assert.equal(series(METRICS.sandboxExecutionSeconds, {}, '_bucket'), `${METRICS.sandboxExecutionSeconds}_bucket`);
  });

  it('refuses a label name Prometheus would refuse', () => {
    assert.throws(() => series(METRICS.httpRequests, { 'status-code': '500' }), /"status-code" is not a Prometheus label name/);
  });

  it('sums rates, grouped when asked', () => {
    assert.equal(sumRate('x', '5m'), 'sum (rate(x[5m]))');
    assert.equal(sumRate('x', '5m', ['a', 'b']), 'sum by (a, b) (rate(x[5m]))');
  });

  it('takes quantiles of histogram buckets, grouped by le', () => {
    assert.equal(
      histogramQuantile(0.95, METRICS.peerReviewConsensusSeconds, '5m'),
      `histogram_quantile(0.95, sum by (le) (rate(${METRICS.peerReviewConsensusSeconds}_bucket[5m])))`,
    );
    assert.throws(() => histogramQuantile(1.5, METRICS.peerReviewConsensusSeconds, '5m'), /quantile must be between 0 and 1, got 1.5/);
  });
});

describe('recording rules', () => {
  const recorded = RECORDING_RULES.rules.map((r) => r.record);
  const known = new Set<string>(Object.values(METRICS));

  it("record the seed's SLO series by the seed's names", () => {
    for (const name of [METRICS.taskCompletionRate, METRICS.peerReviewConsensusP95, METRICS.sandboxExecutionP95, METRICS.hpaCurrentReplicas, METRICS.hpaDesiredReplicas]) {
      assert.ok(recorded.includes(name), `${name} is recorded`);
    }
  });

  it('record each series once', () => {
    assert.equal(new Set(recorded).size, recorded.length);
  });

  it('read only metrics defined in domain/metric-names.ts', () => {
    for (const rule of RECORDING_RULES.rules) {
      for (const name of metricNamesIn(rule.expr)) assert.ok(isKnownSeries(name, known), `${rule.record} reads ${name}, which domain/metric-names.ts does not define`);
    }
  });

  it('never read a series recorded by this group (one evaluation would lag the other)', () => {
    for (const rule of RECORDING_RULES.rules) {
      for (const name of metricNamesIn(rule.expr)) assert.ok(!recorded.includes(name as never), `${rule.record} reads the recorded ${name}`);
    }
  });

  it('compute completion over finished tasks without the cancelled ones', () => {
    const rule = RECORDING_RULES.rules.find((r) => r.record === METRICS.taskCompletionRate)!;
    assert.match(rule.expr, /status="completed"/);
    assert.match(rule.expr, /status!="cancelled"/);
  });
});

describe('metricNamesIn', () => {
  it('finds the metrics an expression reads, not its labels, functions or keywords', () => {
    const expr = `histogram_quantile(0.9, sum by (le, name) (rate(${METRICS.escalationResolutionSeconds}_bucket{name=~"x.+"}[5m]))) / on (name) ${METRICS.tasksActive} > 3`;
    assert.deepEqual([...metricNamesIn(expr)].sort(), [`${METRICS.escalationResolutionSeconds}_bucket`, METRICS.tasksActive].sort());
    assert.ok(isKnownSeries(`${METRICS.escalationResolutionSeconds}_bucket`, new Set([METRICS.escalationResolutionSeconds])));
    assert.ok(!isKnownSeries('other_bucket', new Set([METRICS.escalationResolutionSeconds])));
  });
});
