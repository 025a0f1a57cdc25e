import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.js';
import { logFileOf, pidFileOf, type ComponentName, type StackPaths } from './paths.js';
import {
  elapsed,
  isAlive,
  killProcessTree,
  killProcs,
  livePid,
  processTree,
  readPidFile,
  removeFile,
  spawnDetached,
  stopProcess,
  tailFile,
  waitGone,
  type DetachedSpec,
  type ProcRef,
} from './processes.js';
import type { StackStateStore } from './state.js';

export type Log = (line: string) => void;

export interface StackContext {
  paths: StackPaths;
  store: StackStateStore;
  log: Log;
}

export interface ComponentStatus {
  name: ComponentName;
  state: 'running' | 'not answering' | 'stopped' | 'crashed' | 'external';
  address: string;
  pid?: number;
  logFile: string;
}

/** How one managed process is recognised, stopped and waited for. */
export interface ManagedProcess {
  name: ComponentName;
  /** Basename of /proc/<pid>/exe (symlinks resolved) of the process we start. */
  exeName: string;
  /** An argument only our instance has (its data dir, its script), when exeName alone is ambiguous. */
  argMarker?: string;
  /** A pid file the program writes itself, used when ours was lost. */
  ownPidFile?: string;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  readyTimeoutMs: number;
  /** One bounded probe; true once the component serves requests. */
  isReady(): Promise<boolean>;
}

export interface StartPlan {
  address: string;
  spec: Omit<DetachedSpec, 'logFile' | 'pidFile'>;
}

export function displayPath(paths: StackPaths, file: string): string {
  const rel = relative(paths.root, file);
  return rel.startsWith('..') ? file : rel;
}

/** The error a failed start throws: names the component and shows the end of its log. */
export function componentFailure(paths: StackPaths, name: ComponentName, reason: string): CliError {
  const log = logFileOf(paths, name);
  return new CliError(`${name} ${reason}\n--- last lines of ${log} ---\n${tailFile(log, 20)}`);
}

/** Our live process for the component, from our pid file or, failing that, the program's own. */
export function findLivePid(paths: StackPaths, proc: ManagedProcess): number | undefined {
  const ours = livePid(pidFileOf(paths, proc.name), proc.exeName, proc.argMarker);
  if (ours !== undefined || proc.ownPidFile === undefined) return ours;
  return livePid(proc.ownPidFile, proc.exeName, proc.argMarker);
}

async function waitReady(ctx: StackContext, proc: ManagedProcess, pid: number): Promise<void> {
  const deadline = Date.now() + proc.readyTimeoutMs;
  let interval = 30;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      removeFile(pidFileOf(ctx.paths, proc.name));
      throw componentFailure(ctx.paths, proc.name, `exited before it was ready (pid ${pid})`);
    }
    if (await proc.isReady()) return;
    // Short polls first: a restart is timed by its callers, and most components are ready within a second.
    await sleep(Math.min(250, (interval *= 1.5)));
  }
  // A half-started process would be mistaken for a healthy one by the next `up`.
  await stopProcess(pid, 'SIGKILL', 5000);
  removeFile(pidFileOf(ctx.paths, proc.name));
  throw componentFailure(ctx.paths, proc.name, `was not ready after ${proc.readyTimeoutMs / 1000}s; stopped it`);
}

/**
 * Reuses our running instance when there is one; otherwise asks `prepare`
 * for a start plan (it claims ports and creates directories only then),
 * spawns it and waits until it is ready.
 */
export async function ensureRunning(
  ctx: StackContext,
  proc: ManagedProcess,
  currentAddress: () => string,
  prepare: () => Promise<StartPlan>,
): Promise<{ pid: number; reused: boolean }> {
  const pidFile = pidFileOf(ctx.paths, proc.name);
  const running = findLivePid(ctx.paths, proc);
  if (running !== undefined) {
    if (readPidFile(pidFile) !== running) {
      writeFileSync(pidFile, `${running}\n`);
    }
    if (!(await proc.isReady())) {
      ctx.log(`${proc.name}: running (pid ${running}) but not answering yet, waiting`);
      await waitReady(ctx, proc, running);
    }
    ctx.log(`${proc.name}: already running (pid ${running}) on ${currentAddress()}`);
    return { pid: running, reused: true };
  }

  removeFile(pidFile);
  const plan = await prepare();
  const logFile = logFileOf(ctx.paths, proc.name);
  ctx.log(`${proc.name}: starting on ${plan.address} (log ${displayPath(ctx.paths, logFile)})`);
  const started = Date.now();
  let pid: number;
  try {
    pid = spawnDetached({ ...plan.spec, logFile, pidFile });
  } catch (err) {
    throw componentFailure(ctx.paths, proc.name, `could not be started: ${(err as Error).message}`);
  }
  await waitReady(ctx, proc, pid);
  ctx.log(`${proc.name}: ready in ${elapsed(started)}`);
  return { pid, reused: false };
}

/** Stops our instance (if any) and forgets its pid. */
export async function stopManaged(ctx: Pick<StackContext, 'paths' | 'log'>, proc: ManagedProcess): Promise<void> {
  const pid = findLivePid(ctx.paths, proc);
  removeFile(pidFileOf(ctx.paths, proc.name));
  if (pid === undefined) {
    ctx.log(`${proc.name}: not running`);
    return;
  }
  const started = Date.now();
  ctx.log(`${proc.name}: stopping (pid ${pid}, ${proc.stopSignal})`);
  const how = await stopProcess(pid, proc.stopSignal, proc.stopTimeoutMs);
  ctx.log(
    how === 'stopped'
      ? `${proc.name}: stopped in ${elapsed(started)}`
      : `${proc.name}: did not stop within ${proc.stopTimeoutMs / 1000}s, killed`,
  );
}

const pidList = (procs: readonly ProcRef[]): string => procs.map((p) => p.pid).join(', ');

/**
 * Stops our running instance (pid) so that it can be started again:
 * gracefully, with its stop signal and timeout as `down` does, or with kill,
 * SIGKILL to it, its process group and its descendants at once, as a crash
 * would. Returns once none of them is left: a postgres backend still
 * attached to the old shared memory would keep the new postmaster from
 * starting.
 */
export async function stopForRestart(ctx: Pick<StackContext, 'paths' | 'log'>, proc: ManagedProcess, pid: number, kill: boolean): Promise<void> {
  const started = Date.now();
  removeFile(pidFileOf(ctx.paths, proc.name));
  if (kill) {
    ctx.log(`${proc.name}: killing pid ${pid}, its process group and its children (SIGKILL)`);
    const left = await killProcessTree(pid);
    if (left.length > 0) throw new CliError(`${proc.name}: processes ${pidList(left)} survived SIGKILL for 10s`);
    ctx.log(`${proc.name}: killed in ${elapsed(started)}`);
    return;
  }
  const tree = processTree(pid);
  ctx.log(`${proc.name}: stopping (pid ${pid}, ${proc.stopSignal})`);
  const how = await stopProcess(pid, proc.stopSignal, proc.stopTimeoutMs);
  let left = await waitGone(pid, tree, 5000);
  if (left.length > 0) {
    ctx.log(`${proc.name}: ${pidList(left)} still running after pid ${pid} exited, killing them`);
    killProcs(left);
    left = await waitGone(pid, left, 5000);
    if (left.length > 0) throw new CliError(`${proc.name}: processes ${pidList(left)} of the old instance are still running`);
  }
  ctx.log(
    how === 'stopped'
      ? `${proc.name}: stopped in ${elapsed(started)}`
      : `${proc.name}: did not stop within ${proc.stopTimeoutMs / 1000}s, killed`,
  );
}

/** State from pid files and a light probe; never starts anything. */
export async function managedStatus(
  paths: StackPaths,
  proc: ManagedProcess,
  address: string,
  answers: () => Promise<boolean>,
): Promise<ComponentStatus> {
  const logFile = logFileOf(paths, proc.name);
  const pid = findLivePid(paths, proc);
  if (pid !== undefined) return { name: proc.name, state: (await answers()) ? 'running' : 'not answering', address, pid, logFile };
  const stale = readPidFile(pidFileOf(paths, proc.name)) !== undefined;
  return { name: proc.name, state: stale ? 'crashed' : 'stopped', address, logFile };
}
