import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  defaultCommand,
  SANDBOX_CODE_DIR,
  SANDBOX_LABELS,
  type SandboxExecution,
  type SandboxRunRequest,
  type SandboxRuntime,
} from '../../domain/sandbox.js';
import { containerSpec, containmentProblems, type ContainerSpec, type InspectedContainer, type SandboxLimits } from '../../domain/sandbox-limits.js';
import { SandboxContainmentError, SandboxInfraError } from './errors.js';
import { captureOutput, type CapturedOutput } from './output.js';
import { chooseRuntime, engineRuntimes, type RuntimeChoice } from './runtime.js';
import { codeArchive } from './tar.js';

// About 15 s in all: longer than an engine restart takes, short enough to fail a run that cannot be cleaned up.
const DESTROY_RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

/** This process, as the owner label of its containers: a worker that finds its own dead owner's leftovers removes them. */
export function sandboxOwner(): string {
  return `${hostname()}/${process.pid}`;
}

/** How long past its own deadline a container may live before any worker's cleanup removes it. */
export const LEFTOVER_GRACE_MS = 60_000;

export interface SandboxExecutorOptions {
  docker: Docker;
  image: string;
  runtime: RuntimeChoice;
  limits: SandboxLimits;
}

export interface RunOptions {
  /** Aborting kills the container (an activity's cancellation). */
  signal?: AbortSignal;
  /** Forces one runtime (the escape suite runs every case under each); must be registered with the engine. */
  runtime?: SandboxRuntime;
}

/** A started container ready to take one run: cold (its command is the run) or warm (the run comes by exec). */
export interface PreparedContainer {
  container: Docker.Container;
  spec: ContainerSpec;
  runtime: SandboxRuntime;
}

/** Output beyond this many times the cap stops the run: a flood says nothing more worth keeping. */
const FLOOD_FACTOR = 8;

/**
 * Runs untrusted code in a hardened container, one container per run, and
 * always removes it. Every limit comes from `containerSpec`; this class
 * only drives the engine: create, copy the code in, verify containment,
 * start, watch the clock, collect output, inspect, remove.
 */
export class SandboxExecutor {
  private runtimes?: Promise<string[]>;

  constructor(readonly options: SandboxExecutorOptions) {}

  get docker(): Docker {
    return this.options.docker;
  }

  /** The runtimes the engine offers, asked once per process (a runtime is registered at daemon start). */
  availableRuntimes(): Promise<string[]> {
    this.runtimes ??= engineRuntimes(this.docker).catch((err: unknown) => {
      this.runtimes = undefined;
      throw new SandboxInfraError('runtime detection', err);
    });
    return this.runtimes;
  }

  async resolveRuntime(forced?: SandboxRuntime): Promise<SandboxRuntime> {
    return chooseRuntime(forced ?? this.options.runtime, await this.availableRuntimes());
  }

  /** Creates (not starts) a container with every limit, the code in /code, containment verified. */
  async create(
    request: Pick<SandboxRunRequest, 'language' | 'files' | 'runId' | 'env'>,
    command: string[],
    runtime: SandboxRuntime,
    lifetimeMs: number,
    extraLabels: Record<string, string> = {},
    user?: string,
  ): Promise<PreparedContainer> {
    const spec = containerSpec({
      user,
      image: this.options.image,
      runtime,
      language: request.language,
      limits: this.options.limits,
      command,
      env: request.env ?? {},
      labels: {
        [SANDBOX_LABELS.owner]: sandboxOwner(),
        [SANDBOX_LABELS.runId]: request.runId,
        [SANDBOX_LABELS.expires]: String(Date.now() + lifetimeMs + LEFTOVER_GRACE_MS),
        ...extraLabels,
      },
    });
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(spec);
    } catch (err) {
      throw new SandboxInfraError('container create', err);
    }
    try {
      await this.fill(container, request.files);
      await this.verify(container, spec);
    } catch (err) {
      await this.destroy(container);
      throw err;
    }
    return { container, spec, runtime };
  }

  /** Copies the files into the /code volume (the root filesystem is read-only; the engine refuses to copy there). */
  async fill(container: Docker.Container, files: SandboxRunRequest['files']): Promise<void> {
    if (files.length === 0) return;
    try {
      await container.putArchive(codeArchive(files, Math.floor(Date.now() / 1000)), { path: SANDBOX_CODE_DIR });
    } catch (err) {
      throw new SandboxInfraError('code copy', err);
    }
  }

  async verify(container: Docker.Container, spec: ContainerSpec): Promise<void> {
    let seen: InspectedContainer;
    try {
      seen = (await container.inspect()) as InspectedContainer;
    } catch (err) {
      throw new SandboxInfraError('container inspect', err);
    }
    const problems = containmentProblems(spec, seen);
    if (problems.length > 0) throw new SandboxContainmentError(container.id, problems);
  }

  /** A cold run: a fresh container whose command is the run. */
  async run(request: SandboxRunRequest, opts: RunOptions = {}): Promise<SandboxExecution> {
    const runtime = await this.resolveRuntime(opts.runtime);
    const timeoutMs = Math.min(request.timeoutMs ?? this.options.limits.timeoutMs, this.options.limits.timeoutMs);
    const command = request.command ?? defaultCommand(request.language);
    const prepared = await this.create(request, command, runtime, timeoutMs);
    try {
      return await this.runPrepared(prepared, request, timeoutMs, opts.signal);
    } finally {
      await this.destroy(prepared.container);
    }
  }

  private async runPrepared({ container, runtime }: PreparedContainer, request: SandboxRunRequest, timeoutMs: number, signal?: AbortSignal): Promise<SandboxExecution> {
    let stream: NodeJS.ReadableStream;
    let exited: Promise<{ StatusCode: number }>;
    try {
      stream = await container.attach({ stream: true, stdout: true, stderr: true, logs: false });
      // Asked before start: `next-exit` cannot miss an exit that happens right away.
      exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    } catch (err) {
      throw new SandboxInfraError('container attach', err);
    }
    const watch = this.watch(container, timeoutMs, signal, stream as unknown as Readable);
    const started = performance.now();
    try {
      await container.start();
    } catch (err) {
      watch.stop();
      throw new SandboxInfraError('container start', err);
    }
    watch.arm();
    let status: { StatusCode: number };
    try {
      status = await exited;
    } catch (err) {
      throw new SandboxInfraError('container wait', err);
    } finally {
      watch.stop();
    }
    const durationMs = performance.now() - started;
    const output = await settleOutput(watch.output);
    const state = await this.state(container);
    return {
      runId: request.runId,
      language: request.language,
      runtime,
      exitCode: status.StatusCode,
      stdout: output.stdout,
      stderr: output.stderr,
      durationMs: Math.round(durationMs),
      flags: {
        timedOut: watch.timedOut(),
        oomKilled: state.oomKilled,
        stdoutTruncated: output.stdoutTruncated,
        stderrTruncated: output.stderrTruncated,
        outputFlood: watch.flooded(),
        cancelled: watch.cancelled(),
      },
      warm: false,
    };
  }

  /**
   * The clock and the kill switch of one run: the wall-clock timeout, the
   * caller's abort and an output flood each kill the whole container (every
   * process in it, grandchildren holding stdout included).
   */
  watch(container: Docker.Container, timeoutMs: number, signal: AbortSignal | undefined, stream: Readable) {
    let timedOut = false;
    let cancelled = false;
    let flooded = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    };
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    const cap = this.options.limits.outputBytes;
    let ended = false;
    const { done } = captureOutput(stream, cap, cap * FLOOD_FACTOR, () => {
      flooded = true;
      kill();
    });
    void done.then(() => {
      ended = true;
    });
    return {
      output: { done, stream },
      arm() {
        timer = setTimeout(() => {
          timedOut = true;
          kill();
        }, timeoutMs);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      },
      stop() {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      },
      timedOut: () => timedOut,
      cancelled: () => cancelled,
      flooded: () => flooded,
      /** The output stream has closed: nothing in the container holds stdout or stderr any more. */
      outputEnded: () => ended,
    };
  }

  async state(container: Docker.Container): Promise<{ oomKilled: boolean; running: boolean }> {
    try {
      const info = (await container.inspect()) as { State?: { OOMKilled?: boolean; Running?: boolean } };
      if (info.State?.Running) throw new SandboxContainmentError(container.id, ['still running after its run ended']);
      return { oomKilled: info.State?.OOMKilled === true, running: info.State?.Running === true };
    } catch (err) {
      if (err instanceof SandboxContainmentError) throw err;
      throw new SandboxInfraError('container inspect', err);
    }
  }

  /**
   * Removes the container and its /code volume, whatever state it is in; a
   * container already gone is fine. An engine that does not answer (restarting)
   * is asked again for a while, so a run cut short by an engine restart does
   * not leave its container behind until the next worker start.
   */
  async destroy(container: Docker.Container): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await container.remove({ force: true, v: true });
        return;
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        // 404: already gone; 409: removal already in progress.
        if (status === 404 || status === 409) return;
        if (attempt >= DESTROY_RETRY_DELAYS_MS.length) throw new SandboxInfraError('container remove', err);
        await sleep(DESTROY_RETRY_DELAYS_MS[attempt]!);
      }
    }
  }
}

/**
 * The output once the stream has ended. After the container exits the
 * engine closes the stream promptly; if it does not within a few seconds
 * the stream is destroyed, keeping what arrived.
 */
export async function settleOutput(output: { done: Promise<CapturedOutput>; stream: Readable }): Promise<CapturedOutput> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 5_000);
  });
  const result = await Promise.race([output.done, late.then(() => undefined)]);
  clearTimeout(timer);
  if (result) return result;
  output.stream.destroy();
  return output.done;
}
