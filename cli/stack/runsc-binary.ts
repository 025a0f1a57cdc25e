import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { displayPath, type Log } from './component.js';
import { findExecutable, isExecutable, runCommand, runLogged } from './exec.js';
import { acquireLock } from './lock.js';
import type { StackPaths } from './paths.js';
import { elapsed, tailFile } from './processes.js';

/**
 * A commit of gVisor's `go` branch (master with generated files, buildable
 * by plain `go install`). Pinned, not resolved from `@go` at each run: the
 * cache key and the binary stay the same on every machine, and module
 * proxies that mirror only listed versions refuse branch queries.
 */
export const RUNSC_VERSION = 'v0.0.0-20260905035102-160fafc42237';
const MODULE = 'gvisor.dev/gvisor';
const INSTALL_ARG = `${MODULE}/runsc@${RUNSC_VERSION}`;
// Without it `runsc --version` says VERSION_MISSING; with it the cached binary names its own commit.
const VERSION_LDFLAG = `-ldflags=-X=${MODULE}/runsc/version.version=${RUNSC_VERSION}`;

/**
 * Tried in this order; the first that boots a sandbox here is registered.
 * systrap needs only seccomp and is gVisor's default; ptrace works on
 * kernels whose seccomp lacks what systrap uses, at a large syscall cost.
 */
export const RUNSC_PLATFORMS = ['systrap', 'ptrace'] as const;
export type RunscPlatform = (typeof RUNSC_PLATFORMS)[number];

export type RunscStatus =
  /** platform is one of RUNSC_PLATFORMS for our build; an external daemon's entry may name another. */
  | { available: true; path: string; version: string; platform: string; runtimeArgs: string[]; kernel: string; checkedAt: string }
  | { available: false; reason: string; checkedAt: string };

export function cachedRunscPath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cache, 'golden-architecture', 'tools', `runsc-${RUNSC_VERSION}`, 'runsc');
}

/** What the last `stack up` recorded, for `doctor` and the tests; undefined before the first one. */
export function readRunscStatus(paths: StackPaths): RunscStatus | undefined {
  if (!existsSync(paths.docker.runscStatusFile)) return undefined;
  return JSON.parse(readFileSync(paths.docker.runscStatusFile, 'utf8')) as RunscStatus;
}

export function writeRunscStatus(paths: StackPaths, status: RunscStatus): void {
  mkdirSync(dirname(paths.docker.runscStatusFile), { recursive: true });
  writeFileSync(paths.docker.runscStatusFile, `${JSON.stringify(status, null, 2)}\n`);
}

export function runscUnavailable(reason: string): RunscStatus {
  return { available: false, reason, checkedAt: new Date().toISOString() };
}

/** The first line of `runsc --version` ("runsc version …"), or undefined when the binary does not run. */
async function versionOf(bin: string): Promise<string | undefined> {
  const res = await runCommand(bin, ['--version'], { timeoutMs: 30_000 });
  const line = res.stdout.split('\n')[0] ?? '';
  return res.code === 0 && line.startsWith('runsc version') ? line.slice('runsc version '.length).trim() : undefined;
}

/** The `go` line of gVisor's go.mod: the toolchain to fall back to when the machine's Go cannot build it. */
async function requiredGo(go: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const res = await runCommand(go, ['mod', 'download', '-json', `${MODULE}@${RUNSC_VERSION}`], { env, cwd: tmpdir(), timeoutMs: 300_000 });
  if (res.code !== 0) return undefined;
  const goMod = (JSON.parse(res.stdout) as { GoMod?: string }).GoMod;
  if (!goMod) return undefined;
  return /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(readFileSync(goMod, 'utf8'))?.[1];
}

/** Builds into a scratch GOBIN renamed into place at the end: a killed build never leaves a half-written binary. */
async function build(paths: StackPaths, go: string, target: string, log: Log): Promise<void> {
  const toolsDir = dirname(dirname(target));
  mkdirSync(toolsDir, { recursive: true });
  const staging = mkdtempSync(join(toolsDir, `.runsc-${RUNSC_VERSION}-build-`));
  const logFile = join(paths.logsDir, 'runsc-build.log');
  const started = Date.now();
  const ticker = setInterval(() => log(`runsc: still building (${elapsed(started)})`), 60_000);
  // The sandbox re-executes runsc inside an empty chroot, where a dynamically linked binary finds no loader (ENOENT).
  const env: NodeJS.ProcessEnv = { ...process.env, GOBIN: staging, CGO_ENABLED: '0' };
  const install = (toolchain: string): Promise<number> => {
    log(`runsc: building gVisor with GOTOOLCHAIN=${toolchain} go install ${INSTALL_ARG} (minutes when cold; log ${displayPath(paths, logFile)})`);
    return runLogged(go, ['install', VERSION_LDFLAG, INSTALL_ARG], logFile, { env: { ...env, GOTOOLCHAIN: toolchain }, cwd: staging });
  };
  try {
    // auto: the machine's Go when it is recent enough, else the one gVisor's go.mod names, fetched through the module proxy.
    let code = await install('auto');
    if (code !== 0) {
      // A Go newer than gVisor was written for can fail on its runtime-internal code; its own go.mod version cannot.
      const pinned = await requiredGo(go, env);
      if (pinned === undefined) throw new Error(`go install failed (exit ${code})\n--- last lines of ${logFile} ---\n${tailFile(logFile, 20)}`);
      log(`runsc: the build failed with the machine's Go; retrying with go${pinned}, the version gVisor's go.mod names`);
      code = await install(`go${pinned}`);
      if (code !== 0) throw new Error(`go install failed with go${pinned} too (exit ${code})\n--- last lines of ${logFile} ---\n${tailFile(logFile, 20)}`);
    }
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(staging, 'runsc'), target);
    log(`runsc: built ${target} in ${elapsed(started)}`);
  } finally {
    clearInterval(ticker);
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `runsc` from PATH, else the cached build of RUNSC_VERSION, else builds it
 * (one golden process at a time). Throws with the reason when there is none.
 */
async function resolveRunscBinary(paths: StackPaths, log: Log): Promise<string> {
  const onPath = findExecutable('runsc', []);
  if (onPath) return onPath;
  const target = cachedRunscPath();
  if (isExecutable(target) && (await versionOf(target))) return target;
  const go = findExecutable('go', ['/usr/local/go/bin', join(homedir(), 'go', 'bin'), '/usr/lib/go/bin']);
  if (!go) throw new Error(`runsc is not on PATH or in ${target}, and Go is not installed to build it`);
  const release = await acquireLock(`${dirname(target)}.lock`, (holder) => log(`runsc: another golden process (pid ${holder}) is building gVisor, waiting`));
  try {
    // Whoever held the lock before us may have just built it.
    if (isExecutable(target) && (await versionOf(target))) return target;
    rmSync(target, { force: true });
    await build(paths, go, target, log);
    if (!(await versionOf(target))) throw new Error(`${target} was built but \`runsc --version\` fails`);
    return target;
  } finally {
    release();
  }
}

function bootSandbox(bin: string, platform: RunscPlatform, extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = mkdtempSync(join(tmpdir(), 'golden-runsc-probe-'));
  const args = ['--root', root, `--platform=${platform}`, '--network=none', '--ignore-cgroups', ...extra, 'do', '/bin/true'];
  return runCommand(bin, args, { timeoutMs: 60_000 }).finally(() => rmSync(root, { recursive: true, force: true }));
}

/** The fatal lines of runsc's debug logs: the cause, where its own error only says the sandbox died (EOF). */
function fatalLines(logDir: string): string[] {
  const lines = readdirSync(logDir).flatMap((file) => readFileSync(join(logDir, file), 'utf8').split('\n'));
  return [...new Set(lines.filter((l) => /FATAL ERROR|panic:/.test(l)).map((l) => l.replace(/^.*?\] /, '').trim()))];
}

/**
 * Boots one throwaway sandbox (`runsc do /bin/true`, the host's root as its
 * read-only root, no network) on the platform: proof that this kernel runs
 * gVisor, before dockerd is told about it. Resolves with the error text on
 * failure, after a second boot with debug logs (kept under .data/logs/) for the cause.
 */
async function probePlatform(paths: StackPaths, bin: string, platform: RunscPlatform): Promise<string | undefined> {
  const res = await bootSandbox(bin, platform, []);
  if (res.code === 0) return undefined;
  const error = (res.stderr.trim() || res.stdout.trim() || `exit ${res.code}`).split('\n').slice(-3).join(' | ');
  const logDir = join(paths.logsDir, 'runsc-probe', platform);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  await bootSandbox(bin, platform, ['--debug', `--debug-log=${logDir}/`]);
  const causes = fatalLines(logDir);
  return `${error}${causes.length > 0 ? ` (debug logs ${logDir}: ${causes.join(' | ')})` : ` (debug logs ${logDir})`}`;
}

/** The platform the last probe of this very binary on this very kernel chose, so that a second `up` does not boot probes again. */
function remembered(paths: StackPaths, bin: string): RunscStatus | undefined {
  const last = readRunscStatus(paths);
  if (!last?.available || last.path !== bin || last.kernel !== release()) return undefined;
  return statSync(bin).mtimeMs <= Date.parse(last.checkedAt) ? last : undefined;
}

/**
 * Makes gVisor ready for our dockerd, or finds out why it cannot be: never
 * throws, since the stack runs on runc alone without it. Records the
 * outcome in `.data/docker/runsc.json`.
 */
export async function setUpRunsc(paths: StackPaths, log: Log): Promise<RunscStatus> {
  let status: RunscStatus;
  try {
    const bin = await resolveRunscBinary(paths, log);
    status = remembered(paths, bin) ?? (await probe(paths, bin, log));
  } catch (err) {
    status = runscUnavailable((err as Error).message);
  }
  writeRunscStatus(paths, status);
  if (!status.available) log(`runsc: gVisor is unavailable, sandboxes will run on runc only: ${status.reason}`);
  return status;
}

async function probe(paths: StackPaths, bin: string, log: Log): Promise<RunscStatus> {
  const version = (await versionOf(bin)) ?? 'unknown';
  const failures: string[] = [];
  for (const platform of RUNSC_PLATFORMS) {
    const started = Date.now();
    const error = await probePlatform(paths, bin, platform);
    if (error === undefined) {
      log(`runsc: ${bin} (${version}) boots a sandbox on platform ${platform} (${elapsed(started)})`);
      return {
        available: true,
        path: bin,
        version,
        platform,
        runtimeArgs: [`--platform=${platform}`],
        kernel: release(),
        checkedAt: new Date().toISOString(),
      };
    }
    failures.push(`--platform=${platform}: ${error}`);
  }
  return runscUnavailable(`${bin} (${version}) cannot boot a sandbox on this kernel (${release()}): ${failures.join('; ')}`);
}
