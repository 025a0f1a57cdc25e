import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DetachedSpec {
  command: string;
  args: string[];
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/**
 * Starts a process that outlives the CLI: its own process group (so `down`
 * can reach its children), output appended to its log, pid written to a file.
 */
export function spawnDetached(spec: DetachedSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const logFd = openSync(spec.logFile, 'a', 0o640);
  try {
    writeSync(logFd, `\n=== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      uid: spec.uid,
      gid: spec.gid,
    });
    // spawn reports ENOENT asynchronously; the readiness wait notices the dead pid instead.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`cannot start ${spec.command}`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(logFd);
  }
}

export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim().split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

export function fileMtimeMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (a zombie keeps its pid until reaped but serves nothing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Exited but not reaped: its parent (often an init that never waits, as in some containers) has not collected it. */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose working directory is dir (those we may look at: all of them as root). */
export function processesWorkingIn(dir: string): number[] {
  return liveProcesses()
    .map((p) => p.pid)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    });
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/**
 * Whether pid runs the expected executable (by basename of /proc/pid/exe) and,
 * when given, has `argMarker` among its arguments. Guards against a recycled
 * pid from a stale pid file being mistaken for ours.
 */
export function processMatches(pid: number, exeName: string, argMarker?: string): boolean {
  if (!isAlive(pid)) return false;
  let exe: string;
  try {
    // A binary replaced while running shows as "path (deleted)".
    exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return false;
  }
  if (basename(exe) !== exeName) return false;
  return argMarker === undefined || cmdlineOf(pid).some((a) => a.includes(argMarker));
}

/** The pid in pidFile if it is a live process of the expected program. */
export function livePid(pidFile: string, exeName: string, argMarker?: string): number | undefined {
  const pid = readPidFile(pidFile);
  return pid !== undefined && processMatches(pid, exeName, argMarker) ? pid : undefined;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Sends `signal`, waits up to timeoutMs, then SIGKILLs the process group.
 * Leftover members of the group (children the process did not reap) are
 * killed too; the group id cannot have been recycled while they exist.
 */
export async function stopProcess(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<'stopped' | 'killed'> {
  try {
    process.kill(pid, signal);
  } catch {
    return 'stopped';
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      signalGroup(pid, 'SIGKILL');
      return 'stopped';
    }
    await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Exited between the last check and now.
  }
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

/**
 * Whether every thread of pid has exited. A killed multi-threaded process
 * (Go, Node, redis) shows its main thread as a zombie while the others are
 * still exiting, and its sockets stay open until the last one is gone.
 */
function threadsExited(pid: number): boolean {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return true;
  }
  return tasks.every((task) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      return 'ZX'.includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
      return true;
    }
  });
}

/** A process as /proc shows it; `start` (its start time in clock ticks) tells it apart from a later one that reuses the pid. */
export interface ProcRef {
  pid: number;
  start: string;
}

interface ProcEntry extends ProcRef {
  ppid: number;
  pgrp: number;
}

function readProc(pid: number): (ProcEntry & { state: string }) | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "(comm)": state ppid pgrp … with starttime the 20th; comm may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]), start: fields[19] ?? '' };
}

/** Not exited yet: a zombie main thread whose other threads are still exiting counts as running. */
function running(entry: { pid: number; state: string }): boolean {
  return entry.state !== 'Z' || !threadsExited(entry.pid);
}

/**
 * Every running process from /proc. Zombies are left out: a zombie has
 * released its memory, sockets and shared memory, and an init that never
 * reaps would keep it listed for ever.
 */
function liveProcesses(): ProcEntry[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    const proc = readProc(Number(entry));
    return proc && running(proc) ? [{ pid: proc.pid, ppid: proc.ppid, pgrp: proc.pgrp, start: proc.start }] : [];
  });
}

/**
 * pid, its descendants and the members of the group it leads: everything a
 * crash of the program takes down. Descendants may sit in groups of their
 * own (postgres puts each backend in one), so the group alone is not enough.
 */
export function processTree(pid: number): ProcRef[] {
  const table = liveProcesses();
  const tree = new Map<number, ProcRef>(table.filter((p) => p.pid === pid || p.pgrp === pid).map((p) => [p.pid, p]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (tree.has(p.ppid) && !tree.has(p.pid)) {
        tree.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...tree.values()].map(({ pid: member, start }) => ({ pid: member, start }));
}

/** Whether this very process (not a later one with its pid) has yet to exit. */
function stillRunning(ref: ProcRef): boolean {
  const proc = readProc(ref.pid);
  return proc !== undefined && proc.start === ref.start && running(proc);
}

/** Which of procs, and of the members of group pgid, are still running once timeoutMs is over (none: all exited). */
export async function waitGone(pgid: number, procs: readonly ProcRef[], timeoutMs: number): Promise<ProcRef[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = new Map<number, ProcRef>(procs.filter(stillRunning).map((p) => [p.pid, p]));
    for (const p of liveProcesses()) if (p.pgrp === pgid) left.set(p.pid, { pid: p.pid, start: p.start });
    if (left.size === 0 || Date.now() >= deadline) return [...left.values()];
    await sleep(20);
  }
}

/** SIGKILL to each of procs that is still that very process. */
export function killProcs(procs: readonly ProcRef[]): void {
  for (const proc of procs) {
    if (!stillRunning(proc)) continue;
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
}

/**
 * SIGKILL, without a warning signal, to pid, its process group and every
 * descendant, all at once, as a crash would. Resolves with the processes
 * still running after timeoutMs (none when all exited).
 */
export async function killProcessTree(pid: number, timeoutMs = 10_000): Promise<ProcRef[]> {
  const tree = processTree(pid);
  signalGroup(pid, 'SIGKILL');
  killProcs(tree);
  return waitGone(pid, tree, timeoutMs);
}

/** The last lines of a log, reading only its end: logs grow without bound. */
export function tailFile(file: string, lines = 20): string {
  if (!existsSync(file)) return '(no log file)';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}

/** Seconds with one decimal, as the progress lines print them. */
export function elapsed(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)}s`;
}
