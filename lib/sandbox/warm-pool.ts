import type { Duplex, Readable } from 'node:stream';
import type Docker from 'dockerode';
import {
  baseEnv,
  defaultCommand,
  SANDBOX_CODE_DIR,
  SANDBOX_IDLE_USER,
  SANDBOX_LABELS,
  SANDBOX_LANGUAGES,
  SANDBOX_USER,
  type SandboxExecution,
  type SandboxLanguage,
  type SandboxRunRequest,
  type SandboxRuntime,
} from '../../domain/sandbox.js';
import { SandboxInfraError } from './errors.js';
import { settleOutput, type PreparedContainer, type RunOptions, type SandboxExecutor } from './executor.js';

export interface WarmPoolOptions {
  /** Started containers kept ready per language. */
  size: number;
  /** A container unused for this long is replaced (its leftover deadline is set from it). */
  maxAgeMs: number;
  languages?: readonly SandboxLanguage[];
  /** The runtime of the pool's containers; the executor's choice when absent. */
  runtime?: SandboxRuntime;
  onError?: (err: unknown) => void;
}

interface WarmContainer extends PreparedContainer {
  retire: NodeJS.Timeout;
  /** The run's process, already started by exec: it waits for its command on stdin. */
  launcher: { exec: Docker.Exec; stream: Duplex };
}

/**
 * The process each warm container starts ahead of its run (as the sandbox
 * user, with every limit): it reads one JSON line, {argv, env}, and replaces
 * itself with the run's command in /code. Starting a process by exec costs
 * ~100 ms on runc; this way the run pays only for writing a line.
 */
const LAUNCHER = [
  'python3',
  '-I',
  '-S',
  '-c',
  "import json,os,sys\nr=json.loads(sys.stdin.readline())\nos.chdir('/code')\nos.execvpe(r['argv'][0],r['argv'],r['env'])",
];

/** The warm container's main process, which only waits; the run is the launcher, started by exec. */
const IDLE_COMMAND = ['sleep', 'infinity'];
const REFILL_RETRY_MS = 5_000;
/** How often a run whose stdout a leftover process still holds is checked for its exec having ended. */
const EXEC_POLL_MS = 100;

/**
 * Containers already started per language with every limit of a cold run,
 * each used for exactly one run (by exec) and then destroyed, never reused
 * across runs or tenants; refilled in the background. A run that finds the
 * pool empty gets `undefined` and starts a cold container instead.
 */
export class WarmPool {
  private readonly ready = new Map<SandboxLanguage, WarmContainer[]>();
  private readonly filling = new Map<SandboxLanguage, number>();
  private closed = false;
  private readonly removals = new Set<Promise<unknown>>();
  /** Containers being started; close() waits for them and destroys them. */
  private readonly starting = new Set<Promise<unknown>>();
  private runtime?: SandboxRuntime;

  constructor(
    private readonly executor: SandboxExecutor,
    private readonly options: WarmPoolOptions,
  ) {}

  private get languages(): readonly SandboxLanguage[] {
    return this.options.languages ?? SANDBOX_LANGUAGES;
  }

  /** Fills the pool; resolves once every language has its containers (or failed to get them, reported to onError). */
  async start(): Promise<void> {
    this.runtime = await this.executor.resolveRuntime(this.options.runtime);
    await Promise.all(this.languages.map((l) => this.refill(l)));
  }

  size(language: SandboxLanguage): number {
    return this.ready.get(language)?.length ?? 0;
  }

  private async refill(language: SandboxLanguage): Promise<void> {
    const jobs: Promise<void>[] = [];
    while (!this.closed && this.size(language) + (this.filling.get(language) ?? 0) < this.options.size) {
      this.filling.set(language, (this.filling.get(language) ?? 0) + 1);
      const job = this.startOne(language)
        .then(async (warm) => {
          if (this.closed) {
            // Started while the pool closed: destroyed as close() destroys the ready ones, launcher stream included.
            clearTimeout(warm.retire);
            await this.executor.destroy(warm.container).catch((err: unknown) => this.options.onError?.(err));
            warm.launcher.stream.destroy();
            return;
          }
          const list = this.ready.get(language) ?? [];
          list.push(warm);
          this.ready.set(language, list);
        })
        .catch((err: unknown) => {
          this.options.onError?.(err);
          if (!this.closed) setTimeout(() => void this.refill(language), REFILL_RETRY_MS).unref();
        })
        .finally(() => this.filling.set(language, (this.filling.get(language) ?? 1) - 1));
      this.starting.add(job);
      void job.finally(() => this.starting.delete(job));
      jobs.push(job);
    }
    await Promise.all(jobs);
  }

  private async startOne(language: SandboxLanguage): Promise<WarmContainer> {
    const runtime = this.runtime ?? (await this.executor.resolveRuntime(this.options.runtime));
    const prepared = await this.executor.create(
      { language, files: [], runId: `warm-${language}` },
      IDLE_COMMAND,
      runtime,
      this.options.maxAgeMs,
      { [SANDBOX_LABELS.pool]: '1' },
      SANDBOX_IDLE_USER,
    );
    try {
      await prepared.container.start();
    } catch (err) {
      await this.executor.destroy(prepared.container).catch(() => undefined);
      throw new SandboxInfraError('warm container start', err);
    }
    let launcher: WarmContainer['launcher'];
    try {
      const exec = await prepared.container.exec({
        Cmd: LAUNCHER,
        User: SANDBOX_USER,
        WorkingDir: SANDBOX_CODE_DIR,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Privileged: false,
      });
      launcher = { exec, stream: (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex };
    } catch (err) {
      await this.executor.destroy(prepared.container).catch(() => undefined);
      throw new SandboxInfraError('warm launcher start', err);
    }
    const warm: WarmContainer = {
      ...prepared,
      launcher,
      retire: setTimeout(() => void this.retire(language, warm), this.options.maxAgeMs),
    };
    warm.retire.unref();
    return warm;
  }

  private async retire(language: SandboxLanguage, warm: WarmContainer): Promise<void> {
    const list = this.ready.get(language) ?? [];
    const index = list.indexOf(warm);
    if (index < 0) return;
    list.splice(index, 1);
    await this.executor.destroy(warm.container).catch((err: unknown) => this.options.onError?.(err));
    warm.launcher.stream.destroy();
    void this.refill(language);
  }

  private take(language: SandboxLanguage): WarmContainer | undefined {
    const warm = this.ready.get(language)?.shift();
    if (warm) clearTimeout(warm.retire);
    return warm;
  }

  /** Runs the request in a warm container, or returns undefined when none is ready (or a runtime other than the pool's is asked for). */
  async run(request: SandboxRunRequest, opts: RunOptions = {}): Promise<SandboxExecution | undefined> {
    if (this.closed || (opts.runtime !== undefined && opts.runtime !== this.runtime)) return undefined;
    const warm = this.take(request.language);
    if (!warm) return undefined;
    try {
      return await this.exec(warm, request, opts.signal);
    } finally {
      // Its processes are already dead (killed after the exec); removal is off the caller's path, and close() waits for it.
      const removal = this.executor
        .destroy(warm.container)
        .catch((err: unknown) => this.options.onError?.(err))
        .finally(() => warm.launcher.stream.destroy());
      this.removals.add(removal);
      void removal.finally(() => this.removals.delete(removal));
      // Refilled after the run, not during it: a container start would compete with the run for CPU.
      void this.refill(request.language);
    }
  }

  private async exec({ container, runtime, launcher }: WarmContainer, request: SandboxRunRequest, signal?: AbortSignal): Promise<SandboxExecution> {
    const limits = this.executor.options.limits;
    const timeoutMs = Math.min(request.timeoutMs ?? limits.timeoutMs, limits.timeoutMs);
    await this.executor.fill(container, request.files);
    const { exec, stream } = launcher;
    const started = performance.now();
    const watch = this.executor.watch(container, timeoutMs, signal, stream);
    watch.arm();
    // One line, then end of input: the run sees an empty stdin, as a cold run does.
    const order = { argv: request.command ?? defaultCommand(request.language), env: { ...baseEnv(), ...request.env } };
    stream.end(`${JSON.stringify(order)}\n`);
    let execExitCode: number;
    try {
      execExitCode = await execExit(exec, watch.output.done);
    } catch (err) {
      throw new SandboxInfraError('exec wait', err);
    } finally {
      watch.stop();
    }
    const durationMs = performance.now() - started;
    const { exitCode, oomKilled } = await runEnd(container, execExitCode, runtime, watch.timedOut() || watch.cancelled() || watch.flooded());
    // A process the run left behind (a grandchild holding stdout) keeps the stream open: it dies with the
    // container now. Otherwise the output is complete and the container dies with its removal, after the result.
    if (!watch.outputEnded()) await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    const output = await settleOutput(watch.output);
    return {
      runId: request.runId,
      language: request.language,
      runtime,
      exitCode,
      stdout: output.stdout,
      stderr: output.stderr,
      durationMs: Math.round(durationMs),
      flags: {
        timedOut: watch.timedOut(),
        oomKilled,
        stdoutTruncated: output.stdoutTruncated,
        stderrTruncated: output.stderrTruncated,
        outputFlood: watch.flooded(),
        cancelled: watch.cancelled(),
      },
      warm: true,
    };
  }

  /** Destroys every ready container; runs in flight finish and destroy their own. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.starting]);
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    for (const warm of all) clearTimeout(warm.retire);
    await Promise.all(all.map((w) => this.executor.destroy(w.container).catch((err: unknown) => this.options.onError?.(err))));
    // The engine does not always end an idle launcher's attach stream when its container goes (under
    // gVisor it stays open), and an open socket would keep the process alive after close().
    for (const warm of all) warm.launcher.stream.destroy();
    await Promise.all([...this.removals]);
  }
}

/**
 * The exec's exit code once it has ended: its output stream closing is the
 * usual sign; a process it left behind can hold the stream open, so the
 * exec's state is also polled. A killed container ends the exec too.
 */
async function execExit(exec: Docker.Exec, outputDone: Promise<unknown>): Promise<number> {
  let streamEnded = false;
  void outputDone.then(() => {
    streamEnded = true;
  });
  for (;;) {
    await Promise.race([outputDone, new Promise((r) => setTimeout(r, EXEC_POLL_MS))]);
    let info: { Running: boolean; ExitCode: number | null };
    try {
      info = (await exec.inspect()) as { Running: boolean; ExitCode: number | null };
    } catch (err) {
      // Under gVisor a killed container takes its exec records with it: the run was killed (SIGKILL).
      if ((err as { statusCode?: number }).statusCode === 404) return 137;
      throw err;
    }
    if (!info.Running) return info.ExitCode ?? -1;
    if (streamEnded) await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The run's exit code and whether the OOM killer ended it. Only a run that
 * died of a signal we did not send (exit >= 128) is looked at further:
 *
 * - Under gVisor, one allocation far past the limit makes the host's OOM
 *   killer stop the whole sandbox: the exec then reports 128 (its records
 *   went with the sandbox) and the engine flags the container OOM-killed.
 *   A fork bomb also stops the sandbox, without that flag. Either way the
 *   run's exit code is the container's, as it is for a cold run.
 * - Under gVisor, a SIGKILL (137) while the sandbox lives is gVisor's own
 *   OOM killer, which keeps no count (its cgroupfs has no oom_control or
 *   memory.events); a run that SIGKILLs itself is then reported as
 *   OOM-killed, which changes nothing but the failure's label.
 * - Under runc the engine flags only an OOM-killed main process, and a warm
 *   container's main process is the idle `sleep`: after a 137 the container's
 *   own memory cgroup is asked for its oom_kill count.
 */
async function runEnd(container: Docker.Container, exitCode: number, runtime: SandboxRuntime, killedByUs: boolean): Promise<{ exitCode: number; oomKilled: boolean }> {
  if (killedByUs || exitCode < 128) return { exitCode, oomKilled: false };
  // The exec reports 128 a moment before the engine sees the sandbox stop; a run that itself exits 128 waits that long.
  const stopped = await stoppedContainer(container, runtime === 'runsc' && exitCode === 128 ? SANDBOX_STOP_WAIT_MS : 0);
  if (stopped) return stopped;
  if (exitCode !== 137) return { exitCode, oomKilled: false };
  if (runtime === 'runsc') return { exitCode, oomKilled: true };
  return { exitCode, oomKilled: await cgroupOomKills(container) };
}

/** How long a gVisor sandbox whose exec reported 128 may take to be seen stopped. */
const SANDBOX_STOP_WAIT_MS = 3_000;
/** How long the engine's OOM flag may lag the exit of a container the host's OOM killer stopped. */
const OOM_FLAG_WAIT_MS = 1_000;
const STATE_POLL_MS = 50;

/**
 * The exit of a container that stopped whole under its run, with the
 * engine's OOM flag; undefined if it still runs after `stopWaitMs`.
 */
async function stoppedContainer(container: Docker.Container, stopWaitMs: number): Promise<{ exitCode: number; oomKilled: boolean } | undefined> {
  const runningUntil = Date.now() + stopWaitMs;
  let flagUntil: number | undefined;
  for (;;) {
    let state: { Running?: boolean; OOMKilled?: boolean; ExitCode?: number } | undefined;
    try {
      state = ((await container.inspect()) as { State?: typeof state }).State;
    } catch (err) {
      throw new SandboxInfraError('container inspect', err);
    }
    if (state?.Running !== false) {
      if (Date.now() >= runningUntil) return undefined;
    } else {
      flagUntil ??= Date.now() + OOM_FLAG_WAIT_MS;
      if (state.OOMKilled === true || Date.now() >= flagUntil) return { exitCode: state.ExitCode ?? -1, oomKilled: state.OOMKilled === true };
    }
    await new Promise((r) => setTimeout(r, STATE_POLL_MS));
  }
}

/** Whether the container's memory cgroup counts an OOM kill (cgroup v1 or v2 file), asked by exec. */
async function cgroupOomKills(container: Docker.Container): Promise<boolean> {
  try {
    const exec = await container.exec({
      Cmd: ['cat', '/sys/fs/cgroup/memory/memory.oom_control', '/sys/fs/cgroup/memory.events'],
      User: SANDBOX_USER,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return [...text.matchAll(/oom_kill (\d+)/g)].some((m) => Number(m[1]) > 0);
  } catch {
    // A container whose pids are exhausted cannot run the check; the exit code still says SIGKILL.
    return false;
  }
}
