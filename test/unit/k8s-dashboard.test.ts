import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DASHBOARD_ROWS, DASHBOARD_UID } from '../../domain/dashboard.js';
import { METRICS } from '../../domain/metric-names.js';
import { isKnownSeries, metricNamesIn, RECORDING_RULES } from '../../domain/recording-rules.js';
import { generatedFiles, k8sDir } from '../../scripts/k8s/files.js';
import { DASHBOARD_FILE } from '../../scripts/k8s/manifests.js';

/** The Grafana dashboard in k8s/grafana: the seed's four rows, every query naming only series this project defines or knows. */

type Target = { refId: string; expr: string; legendFormat: string };
type Panel = { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: Target[]; datasource?: unknown };

const dashboard = JSON.parse(readFileSync(join(k8sDir(), DASHBOARD_FILE), 'utf8')) as { uid: string; panels: Panel[] };
const known = new Set<string>([...Object.values(METRICS), ...RECORDING_RULES.rules.map((r) => r.record)]);

describe('Grafana dashboard', () => {
  it('has the security, reliability, performance and scaling rows, in that order, each with graphs under it', () => {
    assert.equal(dashboard.uid, DASHBOARD_UID);
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    assert.deepEqual(rows, ['Security', 'Reliability', 'Performance', 'Scaling']);
    let current = '';
    const graphsPerRow = new Map<string, number>();
    for (const p of dashboard.panels) {
      if (p.type === 'row') current = p.title;
      else graphsPerRow.set(current, (graphsPerRow.get(current) ?? 0) + 1);
    }
    for (const row of DASHBOARD_ROWS) assert.equal(graphsPerRow.get(row.title), row.panels.length, row.title);
  });

  it('reads only metric names from domain/metric-names.ts and the recording rules', () => {
    const targets = dashboard.panels.flatMap((p) => p.targets ?? []);
    assert.ok(targets.length >= 20);
    for (const t of targets) {
      const names = [...metricNamesIn(t.expr)];
      assert.ok(names.length > 0, `${t.expr} reads a series`);
      for (const name of names) assert.ok(isKnownSeries(name, known), `"${name}" in ${t.expr} is not a known metric`);
    }
  });

  it("shows the autoscalers' current and desired replicas from kube-state-metrics, and the backlog they scale on", () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    for (const name of [METRICS.hpaCurrentReplicas, METRICS.hpaDesiredReplicas, METRICS.taskQueueBacklog]) assert.ok(exprs.includes(name), name);
    const sources = RECORDING_RULES.rules.filter((r) => r.record === METRICS.hpaCurrentReplicas || r.record === METRICS.hpaDesiredReplicas).map((r) => [...metricNamesIn(r.expr)]);
    assert.deepEqual(sources, [[METRICS.kubeHpaCurrentReplicas], [METRICS.kubeHpaDesiredReplicas]]);
  });

  it('the check rejects a query naming an unknown series (it can fail)', () => {
    const names = [...metricNamesIn('sum(rate(tasks_finishd_total{status="completed"}[5m])) / sum(rate(tasks_finished_total[5m]))')];
    assert.deepEqual(names.filter((n) => !isKnownSeries(n, known)), ['tasks_finishd_total']);
  });

  it('lays graphs out without overlap, every one on the data source variable with a distinct id', () => {
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      if (p.type !== 'row') assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps another panel`);
          cells.add(`${x},${y}`);
        }
      }
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
    }
  });

  it("ships in base/ as a ConfigMap for Grafana's sidecar, the same JSON", () => {
    const files = generatedFiles();
    const configMap = parse(files.get('base/grafana-dashboard.yaml')!) as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    assert.equal(configMap.metadata.labels.grafana_dashboard, '1');
    assert.equal(configMap.data['golden-architecture.json'], files.get(DASHBOARD_FILE));
  });
});
