import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.js';
import { displayPath, type Log } from './component.js';
import { findExecutable, isExecutable, runCommand, runLogged } from './exec.js';
import type { StackPaths } from './paths.js';
import { acquireLock } from './lock.js';
import { cmdlineOf, elapsed, isAlive, tailFile } from './processes.js';

/** The last release whose go.mod has no `replace`, so `go install …@version` works. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';
const INSTALL_ARG = `${MODULE}@${TEMPORAL_CLI_VERSION}`;

export function cachedTemporalPath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cache, 'golden-architecture', 'tools', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** The binary `status` and `down` should expect, without building anything. */
export function knownTemporalPath(): string | undefined {
  const cached = cachedTemporalPath();
  return findExecutable('temporal', []) ?? (isExecutable(cached) ? cached : undefined);
}

async function works(bin: string): Promise<boolean> {
  const res = await runCommand(bin, ['--version'], { timeoutMs: 30_000 });
  return res.code === 0 && res.stdout.includes('temporal version');
}

/** `go install` runs of this exact module started by anyone (another shell, a setup script). */
function runningBuilds(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const argv = cmdlineOf(Number(entry));
    if (argv.length > 0 && basename(argv[0] ?? '') === 'go' && argv.includes('install') && argv.includes(INSTALL_ARG)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

function outputOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/fd/1`);
  } catch {
    return 'unknown';
  }
}

/** A second concurrent build would only race the first for the same cache and GOBIN. */
async function waitForRunningBuilds(log: Log): Promise<void> {
  const pids = runningBuilds();
  if (pids.length === 0) return;
  const started = Date.now();
  log(`temporal: waiting for a running \`go install ${INSTALL_ARG}\` (pid ${pids.join(', ')}, output ${outputOf(pids[0] as number)})`);
  let lastNote = Date.now();
  while (pids.some(isAlive)) {
    await sleep(1000);
    if (Date.now() - lastNote >= 30_000) {
      log(`temporal: still waiting for that build (${elapsed(started)})`);
      lastNote = Date.now();
    }
  }
  log(`temporal: that build ended after ${elapsed(started)}`);
}

async function build(paths: StackPaths, target: string, log: Log): Promise<void> {
  const go = findExecutable('go', ['/usr/local/go/bin', join(homedir(), 'go', 'bin'), '/usr/lib/go/bin']);
  if (!go) {
    throw new CliError(`temporal: the CLI is not on PATH or in ${target}, and Go is not installed to build it; install Go or put \`temporal\` on PATH`);
  }
  const toolsDir = dirname(dirname(target));
  mkdirSync(toolsDir, { recursive: true });
  // GOBIN points at a scratch dir renamed into place at the end: a killed build never leaves a half-written binary.
  const staging = mkdtempSync(join(toolsDir, `.temporal-${TEMPORAL_CLI_VERSION}-build-`));
  const logFile = join(paths.logsDir, 'temporal-build.log');
  const started = Date.now();
  log(`temporal: building the CLI with go install ${INSTALL_ARG} (minutes when cold; log ${displayPath(paths, logFile)})`);
  const ticker = setInterval(() => log(`temporal: still building (${elapsed(started)})`), 30_000);
  try {
    const code = await runLogged(go, ['install', INSTALL_ARG], logFile, {
      env: { ...process.env, GOBIN: staging },
      cwd: staging,
      onLine: (line) => log(`temporal build: ${line}`),
    });
    if (code !== 0) throw new CliError(`temporal: go install failed (exit ${code})\n--- last lines of ${logFile} ---\n${tailFile(logFile, 20)}`);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(staging, 'temporal'), target);
    log(`temporal: built ${target} in ${elapsed(started)}`);
  } finally {
    clearInterval(ticker);
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `temporal` from PATH, else the cached build of TEMPORAL_CLI_VERSION,
 * else builds that (waiting for a build already under way instead).
 */
export async function resolveTemporalBinary(paths: StackPaths, log: Log): Promise<string> {
  const onPath = findExecutable('temporal', []);
  if (onPath) return onPath;
  const target = cachedTemporalPath();
  await waitForRunningBuilds(log);
  if (isExecutable(target) && (await works(target))) return target;
  const release = await acquireLock(`${dirname(target)}.lock`, (holder) =>
    log(`temporal: another golden process (pid ${holder}) is building the CLI, waiting`),
  );
  try {
    // Whoever held the lock before us may have just built it.
    if (isExecutable(target) && (await works(target))) return target;
    rmSync(target, { force: true });
    await build(paths, target, log);
    if (!(await works(target))) throw new CliError(`temporal: ${target} was built but \`temporal --version\` fails`);
    return target;
  } finally {
    release();
  }
}
