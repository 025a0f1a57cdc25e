import { DASHBOARD_ROWS, DASHBOARD_TITLE, DASHBOARD_UID, type DashboardPanel } from '../../domain/dashboard.js';
import type { YamlValue } from './yaml.js';

/**
 * domain/dashboard.ts as a Grafana dashboard (JSON model, schema version 39):
 * a row panel per row, graphs three to a line under it, every graph reading
 * the Prometheus data source picked in the `datasource` variable.
 */

const PANEL_WIDTH = 8;
const PANEL_HEIGHT = 8;
const GRID_WIDTH = 24;
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function graph(panel: DashboardPanel, id: number, x: number, y: number): YamlValue {
  return {
    id,
    type: 'timeseries',
    title: panel.title,
    datasource: DATASOURCE,
    gridPos: { h: PANEL_HEIGHT, w: PANEL_WIDTH, x, y },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
    targets: panel.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend })),
  };
}

export function grafanaDashboard(): YamlValue {
  const panels: YamlValue[] = [];
  let id = 1;
  let y = 0;
  for (const row of DASHBOARD_ROWS) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: GRID_WIDTH, x: 0, y }, panels: [] });
    y += 1;
    row.panels.forEach((panel, i) => {
      const perLine = GRID_WIDTH / PANEL_WIDTH;
      panels.push(graph(panel, id++, (i % perLine) * PANEL_WIDTH, y + Math.floor(i / perLine) * PANEL_HEIGHT));
    });
    y += Math.ceil(row.panels.length / (GRID_WIDTH / PANEL_WIDTH)) * PANEL_HEIGHT;
  }
  return {
    uid: DASHBOARD_UID,
    title: DASHBOARD_TITLE,
    tags: ['golden-architecture'],
    timezone: 'utc',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }] },
    annotations: { list: [] },
    panels,
  };
}

/** The dashboard file's text: stable JSON, two-space indent, one final newline. */
export function dashboardJson(): string {
  return `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
}
