import { TASK_QUEUES } from '../../domain/task-queues.js';
import type { TaskRecord } from './load-driver.js';
import type { LoadPlan } from './load-plan.js';
import { LATENCY_SOURCES, LATENCY_WINDOW_SECONDS, percentile, type Sample } from './samples.js';

const seconds = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(1)}s`);

/** One row per `everySeconds` (the last sample of each slot), plus the final one. */
export function pickRows(samples: readonly Sample[], everySeconds: number): Sample[] {
  const rows: Sample[] = [];
  for (const s of samples) {
    const slot = Math.floor(s.t / everySeconds);
    const last = rows[rows.length - 1];
    if (last && Math.floor(last.t / everySeconds) === slot) rows[rows.length - 1] = s;
    else rows.push(s);
  }
  return rows;
}

/** Backlog, workers and p95 per queue over time, as fixed-width text. */
export function formatTable(samples: readonly Sample[], everySeconds: number): string {
  const queueCell = 20;
  const head1 = `${'t(s)'.padStart(5)}  ${'phase'.padEnd(8)}  ${'sent'.padStart(4)}  ${'done'.padStart(4)}  ${'busy'.padStart(4)}  ${TASK_QUEUES.map((q) => `| ${q.padEnd(queueCell)}`).join(' ')}`;
  const head2 = `${''.padEnd(5 + 2 + 8 + 2 + 4 + 2 + 4 + 2 + 4)}  ${TASK_QUEUES.map(() => `| ${'backlog'.padStart(7)} ${'wkr'.padStart(3)} ${'p95'.padStart(8)}`).join(' ')}`;
  const lines = pickRows(samples, everySeconds).map((s) => {
    const cells = TASK_QUEUES.map((q) => {
      const c = s.queues[q];
      return `| ${String(c.backlog).padStart(7)} ${String(c.workers).padStart(3)} ${seconds(c.p95).padStart(8)}`;
    });
    return `${s.t.toFixed(0).padStart(5)}  ${s.phase.padEnd(8)}  ${String(s.sent).padStart(4)}  ${String(s.done).padStart(4)}  ${String(s.inFlight).padStart(4)}  ${cells.join(' ')}`;
  });
  return [head1, head2, ...lines].map((l) => l.trimEnd()).join('\n');
}

export interface Recovery {
  steadyP95?: number;
  spikeP95?: number;
  recoveryP95?: number;
  /** Seconds after the spike's end until the windowed task p95 came back within 1.25× of the steady one; undefined if it did not. */
  secondsToRecover?: number;
}

export const RECOVERED_WITHIN = 1.25;

/** Latency by phase of arrival, and when the task p95 came back after the spike: reported, never asserted. */
export function latencyRecovery(tasks: readonly TaskRecord[], samples: readonly Sample[], plan: LoadPlan): Recovery {
  const p95Of = (phase: string) =>
    percentile(
      tasks.filter((t) => t.phase === phase && t.outcome === 'completed').map((t) => t.finishedAt! - t.submittedAt),
      95,
    );
  const steadyP95 = p95Of('steady');
  const spikeEnd = plan.phases[0]!.seconds + plan.phases[1]!.seconds;
  const back = steadyP95 === undefined ? undefined : samples.find((s) => s.t >= spikeEnd && s.queues.orchestrator.p95 !== undefined && s.queues.orchestrator.p95 <= steadyP95 * RECOVERED_WITHIN);
  return { steadyP95, spikeP95: p95Of('spike'), recoveryP95: p95Of('recovery'), secondsToRecover: back ? back.t - spikeEnd : undefined };
}

export interface Summary {
  plan: LoadPlan;
  tasks: readonly TaskRecord[];
  samples: readonly Sample[];
  recovery: Recovery;
  criticalAlerts: string[];
  otherAlerts: string[];
  chartPath?: string;
  chartError?: string;
  /** What Prometheus scraped and evaluated, in a sentence. */
  prometheus: string;
}

export function formatSummary(s: Summary): string {
  const count = (o: TaskRecord['outcome']) => s.tasks.filter((t) => t.outcome === o).length;
  const maxWorkers = TASK_QUEUES.map((q) => `${q} ${Math.max(0, ...s.samples.map((x) => x.queues[q].workers))}`).join(', ');
  const maxBacklog = TASK_QUEUES.map((q) => `${q} ${Math.max(0, ...s.samples.map((x) => x.queues[q].backlog))}`).join(', ');
  const r = s.recovery;
  return [
    `load test (${s.plan.scale}): ${s.plan.phases.map((p) => `${p.name} ${p.tasksPerMinute}/min for ${p.seconds}s`).join(', ')}`,
    `tasks: ${s.tasks.length} sent, ${count('completed')} completed, ${count('failed')} failed, ${count('refused')} refused, ${count('running')} unfinished`,
    `most workers: ${maxWorkers}`,
    `largest backlog: ${maxBacklog}`,
    `task p95 by phase of arrival: steady ${seconds(r.steadyP95)}, spike ${seconds(r.spikeP95)}, recovery ${seconds(r.recoveryP95)}`,
    `latency recovery: ${r.secondsToRecover === undefined ? `the ${LATENCY_WINDOW_SECONDS}s task p95 did not come back within ${RECOVERED_WITHIN}x of steady before the end` : `the ${LATENCY_WINDOW_SECONDS}s task p95 was back within ${RECOVERED_WITHIN}x of steady ${r.secondsToRecover.toFixed(0)}s after the spike ended`} (reported, not asserted)`,
    `prometheus: ${s.prometheus}`,
    `critical alerts fired: ${s.criticalAlerts.length === 0 ? 'none' : s.criticalAlerts.join('; ')}`,
    `other alerts seen: ${s.otherAlerts.length === 0 ? 'none' : s.otherAlerts.join('; ')}`,
    `p95 sources: ${TASK_QUEUES.map((q) => `${q} = ${LATENCY_SOURCES[q].what}`).join('; ')}; each over the last ${LATENCY_WINDOW_SECONDS}s`,
    `chart: ${s.chartPath ?? `not written (${s.chartError})`}`,
  ].join('\n');
}
