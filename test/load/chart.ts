import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../../cli/stack/apt.js';
import { TASK_QUEUES, type TaskQueueName } from '../../domain/task-queues.js';
import type { Phase } from './load-plan.js';
import type { QueueSample, Sample } from './samples.js';

const COLORS: Record<TaskQueueName, string> = { orchestrator: '#1f77b4', 'peer-hub': '#2ca02c', supervisor: '#9467bd', sandbox: '#d62728' };
// Dashes too, so queues at the same value (two at their minimum of 2 workers) stay apart.
const DASHES: Record<TaskQueueName, string> = { orchestrator: 'none', 'peer-hub': '8 4', supervisor: '2 3', sandbox: '12 3 2 3' };
const WIDTH = 1100;
const PANEL = { height: 230, top: 60, gap: 55, left: 70, right: 170 };
const TICKS = 4;
const PANELS: { title: string; value: (q: QueueSample) => number | undefined; unit: string; counts: boolean }[] = [
  { title: 'backlog (tasks waiting in the queue)', value: (q) => q.backlog, unit: '', counts: true },
  { title: 'worker processes', value: (q) => q.workers, unit: '', counts: true },
  { title: 'p95 end-to-end latency', value: (q) => q.p95, unit: 's', counts: false },
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The top of an axis: a round number, and for counts a multiple of the tick count so every tick is whole. */
function niceMax(max: number, counts: boolean): number {
  if (counts) return Math.max(TICKS, Math.ceil(max / TICKS) * TICKS);
  if (max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

/** The three panels (backlog, workers, p95 per queue) over time, the spike shaded, as SVG. */
export function renderChart(samples: readonly Sample[], phases: readonly Phase[], title: string): string {
  const height = PANEL.top + PANELS.length * (PANEL.height + PANEL.gap) + 20;
  const plotWidth = WIDTH - PANEL.left - PANEL.right;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t: number) => PANEL.left + (t / tMax) * plotWidth;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16">${esc(title)}</text>`,
  ];
  PANELS.forEach((panel, i) => {
    const top = PANEL.top + i * (PANEL.height + PANEL.gap);
    const bottom = top + PANEL.height;
    const max = niceMax(Math.max(0, ...samples.flatMap((s) => TASK_QUEUES.map((q) => panel.value(s.queues[q]) ?? 0))), panel.counts);
    const y = (v: number) => bottom - (v / max) * PANEL.height;
    let start = 0;
    for (const phase of phases) {
      if (phase.name === 'spike') out.push(`<rect x="${x(start)}" y="${top}" width="${x(start + phase.seconds) - x(start)}" height="${PANEL.height}" fill="#fde9c8"/>`);
      start += phase.seconds;
    }
    out.push(`<text x="${PANEL.left}" y="${top - 8}" font-size="13">${esc(panel.title)}</text>`);
    for (let k = 0; k <= TICKS; k += 1) {
      const v = (max * k) / TICKS;
      out.push(`<line x1="${PANEL.left}" x2="${PANEL.left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
      out.push(`<text x="${PANEL.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toFixed(1))}${panel.unit}</text>`);
    }
    for (let k = 0; k <= 10; k += 1) {
      const t = (tMax * k) / 10;
      out.push(`<text x="${x(t)}" y="${bottom + 15}" text-anchor="middle" fill="#555">${t.toFixed(0)}s</text>`);
    }
    out.push(`<rect x="${PANEL.left}" y="${top}" width="${plotWidth}" height="${PANEL.height}" fill="none" stroke="#888"/>`);
    for (const q of TASK_QUEUES) {
      // A gap in the data (no latency in the window) breaks the line instead of drawing through zero.
      const segments: string[][] = [[]];
      for (const s of samples) {
        const v = panel.value(s.queues[q]);
        if (v === undefined) segments.push([]);
        else segments[segments.length - 1]!.push(`${x(s.t).toFixed(1)},${y(v).toFixed(1)}`);
      }
      for (const seg of segments.filter((p) => p.length > 0)) {
        out.push(`<polyline fill="none" stroke="${COLORS[q]}" stroke-dasharray="${DASHES[q]}" stroke-width="2" points="${seg.join(' ')}"/>`);
      }
    }
    TASK_QUEUES.forEach((q, k) => {
      const ly = top + 20 + k * 18;
      out.push(`<line x1="${PANEL.left + plotWidth + 10}" x2="${PANEL.left + plotWidth + 35}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS[q]}" stroke-dasharray="${DASHES[q]}" stroke-width="2"/>`);
      out.push(`<text x="${PANEL.left + plotWidth + 40}" y="${ly}">${q}</text>`);
    });
  });
  out.push(`<text x="${WIDTH - PANEL.right}" y="${height - 6}" text-anchor="end" fill="#555">shaded: the 10x spike</text>`, '</svg>');
  return out.join('\n');
}

/** Writes the chart as SVG, then as PNG through a headless chromium screenshot of it. */
export async function writeChart(svg: string, svgPath: string, pngPath: string): Promise<void> {
  writeFileSync(svgPath, svg);
  // Debian's chromium as root needs --no-sandbox; the page is our own SVG.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: pngPath });
  } finally {
    await browser.close();
  }
}
