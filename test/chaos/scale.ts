/** How big one chaos run is: `CHAOS_SCALE=ci` for the reduced run in CI, `full` (the default) for the figures. */
export interface ChaosScale {
  name: 'ci' | 'full';
  /** Tasks submitted per scenario; half before the fault, half while it lasts. */
  tasks: number;
  /** Worker processes per task queue. */
  processesPerQueue: number;
  /** How long a fault lasts (kills keep coming, the LLM endpoint keeps failing). */
  faultMs: number;
  /** Pause between two SIGKILLs in the worker-kill scenario: drawn from this range. */
  killEveryMs: readonly [number, number];
  /** The longest the tasks have after the fault to reach a terminal or parked state. */
  settleMs: number;
  /** No task event for this long while tasks are unsettled: they are stuck, not slow, and count as lost. */
  stallMs: number;
  /** Latency of the scripted LLM, so tasks are still in flight when the fault hits. */
  llmLatencyMs: number;
}

const SCALES: Record<ChaosScale['name'], ChaosScale> = {
  ci: { name: 'ci', tasks: 10, processesPerQueue: 1, faultMs: 10_000, killEveryMs: [2_000, 4_000], settleMs: 150_000, stallMs: 45_000, llmLatencyMs: 300 },
  full: { name: 'full', tasks: 100, processesPerQueue: 2, faultMs: 30_000, killEveryMs: [2_000, 5_000], settleMs: 1_800_000, stallMs: 180_000, llmLatencyMs: 300 },
};

export function chaosScale(value: string | undefined): ChaosScale {
  const name = value === undefined || value === '' ? 'full' : value;
  if (name !== 'ci' && name !== 'full') throw new Error(`CHAOS_SCALE must be "ci" or "full", not "${name}"`);
  return SCALES[name];
}
