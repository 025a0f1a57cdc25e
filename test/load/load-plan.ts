/**
 * The load's shape: steady arrivals, ten times as many for a while, then
 * steady again. LOAD_SCALE=ci is the reduced run CI can afford (under four
 * minutes with start-up and drain); the default is the full run (about ten).
 */

export interface Phase {
  name: 'steady' | 'spike' | 'recovery';
  seconds: number;
  tasksPerMinute: number;
}

export interface LoadPlan {
  scale: 'ci' | 'full';
  phases: Phase[];
  /** How long tasks still running when the arrivals stop may take to finish before the run fails. */
  drainSeconds: number;
  /** How often `golden scale --run` decides (KEDA's default is 30 s; shorter here so a short run shows the steps). */
  scalerIntervalSeconds: number;
  /** One row of the printed table per this many seconds. */
  tableEverySeconds: number;
  /** Tenants the tasks are spread over (each is its own API subject, so no single one meets its rate limit). */
  tenants: number;
}

export const SPIKE_FACTOR = 10;

function plan(scale: LoadPlan['scale'], steadyPerMinute: number, seconds: [number, number, number], rest: Omit<LoadPlan, 'scale' | 'phases'>): LoadPlan {
  return {
    scale,
    phases: [
      { name: 'steady', seconds: seconds[0], tasksPerMinute: steadyPerMinute },
      { name: 'spike', seconds: seconds[1], tasksPerMinute: steadyPerMinute * SPIKE_FACTOR },
      { name: 'recovery', seconds: seconds[2], tasksPerMinute: steadyPerMinute },
    ],
    ...rest,
  };
}

export function loadPlan(env: NodeJS.ProcessEnv = process.env): LoadPlan {
  const scale = env.LOAD_SCALE ?? 'full';
  if (scale === 'ci') return plan('ci', 3, [30, 20, 30], { drainSeconds: 120, scalerIntervalSeconds: 5, tableEverySeconds: 10, tenants: 4 });
  if (scale === 'full') return plan('full', 3, [90, 60, 240], { drainSeconds: 240, scalerIntervalSeconds: 5, tableEverySeconds: 20, tenants: 8 });
  throw new Error(`LOAD_SCALE must be "ci" or "full" (or unset for full), got "${scale}"`);
}

export function phaseAt(phases: readonly Phase[], elapsedSeconds: number): Phase | undefined {
  let end = 0;
  for (const phase of phases) {
    end += phase.seconds;
    if (elapsedSeconds < end) return phase;
  }
  return undefined;
}

/** Arrival offsets (seconds from the start) of every task: evenly spaced within each phase, open loop. */
export function arrivals(phases: readonly Phase[]): { at: number; phase: Phase['name'] }[] {
  const out: { at: number; phase: Phase['name'] }[] = [];
  let start = 0;
  for (const phase of phases) {
    const gap = 60 / phase.tasksPerMinute;
    for (let at = start; at < start + phase.seconds - 1e-9; at += gap) out.push({ at, phase: phase.name });
    start += phase.seconds;
  }
  return out;
}
