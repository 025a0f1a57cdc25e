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
  /** Seconds after the spike's end until its last task finished: how long the extra work took to clear. */
  spikeClearedAfter?: number;
  /**
   * Seconds after the spike's end at which new tasks were fast again: the send time of the first
   * recovery-phase task from which on every one took at most RECOVERED_WITHIN × the steady p95.
   */
  fastAgainAfter?: number;
}

export const RECOVERED_WITHIN = 1.25;

/** Latency by phase of arrival, and how the pipeline came back after the spike: reported, never asserted. */
export function latencyRecovery(tasks: readonly TaskRecord[], plan: LoadPlan): Recovery {
  const latency = (t: TaskRecord) => t.finishedAt! - t.submittedAt;
  const completed = (phase: string) => tasks.filter((t) => t.phase === phase && t.outcome === 'completed');
  const steadyP95 = percentile(completed('steady').map(latency), 95);
  const spikeEnd = plan.phases[0]!.seconds + plan.phases[1]!.seconds;
  const spike = tasks.filter((t) => t.phase === 'spike');
  const spikeClearedAfter = spike.length > 0 && spike.every((t) => t.finishedAt !== undefined) ? Math.max(...spike.map((t) => t.finishedAt!)) - spikeEnd : undefined;
  let fastAgainAfter: number | undefined;
  if (steadyP95 !== undefined) {
    const recovery = tasks.filter((t) => t.phase === 'recovery');
    for (let i = recovery.length - 1; i >= 0; i -= 1) {
      const t = recovery[i]!;
      if (t.outcome !== 'completed' || latency(t) > steadyP95 * RECOVERED_WITHIN) break;
      fastAgainAfter = t.submittedAt - spikeEnd;
    }
  }
  return {
    steadyP95,
    spikeP95: percentile(completed('spike').map(latency), 95),
    recoveryP95: percentile(completed('recovery').map(latency), 95),
    spikeClearedAfter,
    fastAgainAfter,
  };
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
    `latency recovery (reported, not asserted): ${r.spikeClearedAfter === undefined ? 'the spike\'s tasks did not all finish' : `the spike's tasks were all done ${r.spikeClearedAfter.toFixed(0)}s after it ended`}; ${r.fastAgainAfter === undefined ? `no run of recovery-phase tasks to the end took within ${RECOVERED_WITHIN}x of the steady p95` : `tasks sent from ${r.fastAgainAfter.toFixed(0)}s after the spike on took within ${RECOVERED_WITHIN}x of the steady p95`}`,
    `prometheus: ${s.prometheus}`,
    `critical alerts fired: ${s.criticalAlerts.length === 0 ? 'none' : s.criticalAlerts.join('; ')}`,
    `other alerts seen: ${s.otherAlerts.length === 0 ? 'none' : s.otherAlerts.join('; ')}`,
    `p95 sources: ${TASK_QUEUES.map((q) => `${q} = ${LATENCY_SOURCES[q].what}`).join('; ')}; each over the last ${LATENCY_WINDOW_SECONDS}s`,
    `chart: ${s.chartPath ?? `not written (${s.chartError})`}`,
  ].join('\n');
}
