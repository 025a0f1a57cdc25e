import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskQueueName } from '../../domain/task-queues.js';
import { distDir } from '../../lib/paths.js';
import { pickFreePorts } from '../stack/ports.js';

// Enough of a process's output to say why it died; the rest is dropped.
const KEPT_OUTPUT = 8_000;

export interface WorkerProcess {
  queue: TaskQueueName;
  pid: number;
  /** Where Prometheus scrapes it: each process gets a port of its own, chosen before it starts. */
  metricsAddress: string;
}

interface Managed extends WorkerProcess {
  child: ChildProcess;
  output: string;
  exited: Promise<unknown>;
}

export interface WorkerProcessesOptions {
  /** The environment every worker process starts with (the task-queue prefix among it). */
  env: NodeJS.ProcessEnv;
  metricsHost: string;
  /** How long a stopped worker may drain its running tasks before it is killed. */
  drainMs: number;
  /** Told when a worker exits without being asked to, with the end of its output. */
  onCrash: (queue: TaskQueueName, pid: number, reason: string) => void;
}

/**
 * The worker deployments of one machine as processes (dist/workers/<queue>.js),
 * started and stopped one at a time, as a Deployment's pods are. A process
 * that dies on its own leaves its queue one short; the next scaling decision
 * replaces it.
 */
export class WorkerProcesses {
  private readonly running: Managed[] = [];
  private readonly draining = new Set<Managed>();

  constructor(private readonly opts: WorkerProcessesOptions) {}

  count(queue: TaskQueueName): number {
    return this.running.filter((p) => p.queue === queue).length;
  }

  list(): WorkerProcess[] {
    return this.running.map(({ queue, pid, metricsAddress }) => ({ queue, pid, metricsAddress }));
  }

  /** Starts or stops processes of `queue` until `replicas` run; the newest stop first. */
  async scaleTo(queue: TaskQueueName, replicas: number): Promise<void> {
    const missing = replicas - this.count(queue);
    if (missing > 0) {
      const ports = await pickFreePorts(missing);
      for (const port of ports) this.running.push(this.spawnWorker(queue, port));
    }
    for (let extra = -missing; extra > 0; extra -= 1) {
      let index = this.running.length - 1;
      while (this.running[index]!.queue !== queue) index -= 1;
      const [proc] = this.running.splice(index, 1);
      void this.drain(proc!);
    }
  }

  private spawnWorker(queue: TaskQueueName, port: number): Managed {
    const child = spawn(process.execPath, [join(distDir(), 'workers', `${queue}.js`)], {
      env: { ...this.opts.env, WORKER_METRICS_HOST: this.opts.metricsHost, WORKER_METRICS_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: Managed = { queue, pid: child.pid ?? -1, metricsAddress: `${this.opts.metricsHost}:${port}`, child, output: '', exited: once(child, 'exit').catch(() => undefined) };
    const keep = (d: Buffer) => (proc.output = (proc.output + d.toString()).slice(-KEPT_OUTPUT));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const gone = (reason: string) => {
      const index = this.running.indexOf(proc);
      if (index < 0) return;
      this.running.splice(index, 1);
      this.opts.onCrash(queue, proc.pid, reason);
    };
    child.on('exit', (code, signal) => gone(`exited with ${code ?? signal}: ${proc.output.slice(-2000)}`));
    child.on('error', (err) => gone(`could not be started: ${err.message}`));
    return proc;
  }

  /** SIGTERM (the SDK stops polling and finishes what it runs), SIGKILL once the drain time is over. */
  private async drain(proc: Managed): Promise<void> {
    this.draining.add(proc);
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGTERM');
      const drained = await Promise.race([proc.exited.then(() => true), sleep(this.opts.drainMs).then(() => false)]);
      if (!drained) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
    }
    this.draining.delete(proc);
  }

  /** Stops every process, running or already draining, and waits until all have exited. */
  async stopAll(): Promise<void> {
    const drainingBefore = [...this.draining].map((p) => p.exited);
    const stopping = this.running.splice(0).map((p) => this.drain(p));
    await Promise.all([...drainingBefore, ...stopping]);
  }
}
