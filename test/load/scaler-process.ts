import type { ScalingStep } from '../../cli/scaling/autoscaler.js';
import { spawnEntry, type Spawned } from '../support/processes.js';

export interface ScalerDecision {
  at: string;
  steps: ScalingStep[];
}

/**
 * `golden scale --run --json` as a child process: its decisions are read
 * from its output (one JSON line each) as they come.
 */
export class ScalerProcess {
  private readonly spawned: Spawned;
  private consumed = 0;

  constructor(env: Record<string, string>, args: string[]) {
    this.spawned = spawnEntry('cli/golden.js', env, ['scale', '--run', '--json', ...args]);
  }

  /** Decisions printed since the last call. */
  newDecisions(): ScalerDecision[] {
    const lines = this.spawned.output().split('\n');
    // The last element may be a line still being written.
    const complete = lines.slice(0, -1);
    const fresh = complete.slice(this.consumed);
    this.consumed = complete.length;
    return fresh.filter((l) => l.startsWith('{"at":')).map((l) => JSON.parse(l) as ScalerDecision);
  }

  exited(): boolean {
    return this.spawned.child.exitCode !== null || this.spawned.child.signalCode !== null;
  }

  /** Everything it wrote that is not a decision: crashes of workers, Temporal errors. */
  messages(): string {
    return this.spawned
      .output()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('{"at":'))
      .join('\n');
  }

  /** SIGTERM: it stops its workers (each drains) and exits; SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.exited()) return;
    this.spawned.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([this.spawned.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
    clearTimeout(timer);
    if (!done) {
      this.spawned.child.kill('SIGKILL');
      await this.spawned.exited;
    }
  }
}
