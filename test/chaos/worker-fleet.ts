import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_QUEUES, type TaskQueueName } from '../../domain/task-queues.js';
import { distDir } from '../../lib/paths.js';

// Enough of a process's output to explain why it died; the rest is dropped.
const KEPT_OUTPUT = 20_000;
// Logged by workers/run-workers.ts once every worker of the process polls.
const READY_LINE = 'workers started';

interface WorkerProcess {
  queue: TaskQueueName;
  slot: number;
  child: ChildProcess;
  output: string;
  exited: Promise<void>;
}

/**
 * The real worker deployments as separate processes (dist/workers/<queue>.js),
 * `perQueue` of each, on one task-queue prefix. A killed process is replaced
 * in its slot, as a supervisor (systemd, Kubernetes) would.
 */
export class WorkerFleet {
  private readonly slots: WorkerProcess[] = [];
  /** Processes that died without being told to (not SIGKILLed by the suite, not stopped): each one's last output. */
  readonly crashes: string[] = [];
  kills = 0;
  private stopping = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly perQueue: number,
  ) {}

  private spawnSlot(queue: TaskQueueName, slot: number): WorkerProcess {
    // Port 0: every process gets a metrics port of its own.
    const child = spawn(process.execPath, [join(distDir(), 'workers', `${queue}.js`)], {
      env: { ...this.env, WORKER_METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: WorkerProcess = { queue, slot, child, output: '', exited: once(child, 'exit').then(() => undefined) };
    const keep = (d: Buffer) => (proc.output = (proc.output + d.toString()).slice(-KEPT_OUTPUT));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      const index = this.indexOf(queue, slot);
      if (this.stopping || this.slots[index]?.child !== child) return;
      // Died on its own: recorded, and replaced a second later as a supervisor would (no tight loop while a service is down).
      this.crashes.push(`${queue}#${slot} (pid ${child.pid}) exited with ${code ?? signal}:\n${proc.output.slice(-3000)}`);
      setTimeout(() => {
        if (!this.stopping && this.slots[index]?.child === child) this.slots[index] = this.spawnSlot(queue, slot);
      }, 1_000);
    });
    return proc;
  }

  private indexOf(queue: TaskQueueName, slot: number): number {
    return TASK_QUEUES.indexOf(queue) * this.perQueue + slot;
  }

  /** Starts every process and waits until each one polls its queue. */
  async start(timeoutMs = 90_000): Promise<void> {
    for (const queue of TASK_QUEUES) for (let slot = 0; slot < this.perQueue; slot += 1) this.slots[this.indexOf(queue, slot)] = this.spawnSlot(queue, slot);
    await Promise.all(this.slots.map((p) => this.ready(p, timeoutMs)));
  }

  private async ready(proc: WorkerProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!proc.output.includes(READY_LINE)) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
        throw new Error(`worker ${proc.queue}#${proc.slot} exited before it was ready:\n${proc.output.slice(-3000)}`);
      }
      if (Date.now() > deadline) throw new Error(`worker ${proc.queue}#${proc.slot} not ready after ${timeoutMs} ms:\n${proc.output.slice(-3000)}`);
      await sleep(200);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** SIGKILLs the process in slot `index` and starts its replacement (without waiting for it to be ready). */
  async killAndReplace(index: number): Promise<void> {
    const victim = this.slots[index];
    if (!victim) throw new RangeError(`no worker slot ${index} (the fleet has ${this.slots.length})`);
    // Replaced first, so the exit handler sees a victim, not a crash.
    this.slots[index] = this.spawnSlot(victim.queue, victim.slot);
    victim.child.kill('SIGKILL');
    await victim.exited;
    this.kills += 1;
  }

  /** SIGTERM to every process (the SDK drains), SIGKILL to any still running after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    for (const p of this.slots) p.child.kill('SIGTERM');
    await this.waitAll(graceMs);
  }

  private async waitAll(graceMs: number): Promise<void> {
    const all = Promise.all(this.slots.map((p) => p.exited));
    const timedOut = await Promise.race([all.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      for (const p of this.slots) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await all;
    }
  }
}
