import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { createDocker } from '../../lib/docker.js';
import type { Binaries } from './apt.js';
import { displayPath, ensureRunning, findLivePid, type Log, type ManagedProcess, type StackContext } from './component.js';
import { exeNameOf } from './exec.js';
import type { StackPaths } from './paths.js';
import { cmdlineOf, removeFile } from './processes.js';
import { runscUnavailable, setUpRunsc, writeRunscStatus, type RunscStatus } from './runsc-binary.js';

const SYSTEM_SOCKET = '/var/run/docker.sock';

async function pingWith(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** GET /_ping on a unix socket; `host: undefined` keeps a tcp:// DOCKER_HOST in the env from overriding the socket. */
export function pingSocket(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return pingWith(new Docker({ socketPath, host: undefined, timeout: timeoutMs }));
}

export function managedDockerHost(paths: StackPaths): string {
  return `unix://${paths.docker.socket}`;
}

/**
 * A Docker daemon we do not manage: DOCKER_HOST (unless it is our own
 * socket, left in the env by sourcing stack.env) or the system socket.
 */
export async function findExternalDocker(paths: StackPaths, log?: (line: string) => void): Promise<string | undefined> {
  const fromEnv = process.env.DOCKER_HOST;
  if (fromEnv && fromEnv !== managedDockerHost(paths)) {
    // docker-modem reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself.
    if (await pingWith(new Docker({ timeout: 2000 }))) return fromEnv;
    log?.(`docker: DOCKER_HOST=${fromEnv} does not answer; falling back`);
  }
  if (await pingSocket(SYSTEM_SOCKET)) return `unix://${SYSTEM_SOCKET}`;
  return undefined;
}

export function dockerProcess(paths: StackPaths, bins?: Binaries): ManagedProcess {
  return {
    name: 'docker',
    exeName: bins?.dockerd ? exeNameOf(bins.dockerd) : 'dockerd',
    argMarker: paths.docker.dataRoot,
    ownPidFile: paths.docker.pidFile,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 20_000,
    // dockerd also starts its own containerd; on a cold disk that takes a while.
    readyTimeoutMs: 60_000,
    isReady: () => pingSocket(paths.docker.socket),
  };
}

/** The runtime name sandboxes ask for (`--runtime=runsc`) and the executor looks for in `docker info`. */
export const GVISOR_RUNTIME = 'runsc';

interface RuntimeEntry {
  path: string;
  runtimeArgs?: string[];
}

function wantedRuntime(runsc: RunscStatus): RuntimeEntry | undefined {
  return runsc.available ? { path: runsc.path, runtimeArgs: runsc.runtimeArgs } : undefined;
}

/** Our daemon's `--config-file`: only the runsc runtime, every other setting stays a flag. */
function writeDaemonConfig(paths: StackPaths, runsc: RunscStatus): void {
  const runtime = wantedRuntime(runsc);
  // An empty map, not a missing key: a SIGHUP reload drops a stale runsc only when `runtimes` is present.
  const config = { runtimes: runtime ? { [GVISOR_RUNTIME]: runtime } : {} };
  mkdirSync(dirname(paths.docker.configFile), { recursive: true });
  writeFileSync(paths.docker.configFile, `${JSON.stringify(config, null, 2)}\n`);
}

async function registeredRuntime(socketPath: string): Promise<RuntimeEntry | undefined> {
  const info = (await new Docker({ socketPath, host: undefined, timeout: 10_000 }).info()) as { Runtimes?: Record<string, RuntimeEntry> };
  return info.Runtimes?.[GVISOR_RUNTIME];
}

function sameRuntime(a: RuntimeEntry | undefined, b: RuntimeEntry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.path === b.path && JSON.stringify(a.runtimeArgs ?? []) === JSON.stringify(b.runtimeArgs ?? []);
}

function runtimeLabel(runsc: RunscStatus): string {
  return runsc.available ? `gVisor runtime ${GVISOR_RUNTIME} (${runsc.path}, platform ${runsc.platform})` : 'no gVisor runtime';
}

/**
 * Brings the running daemon's runtimes in line with the config file. dockerd
 * reloads `runtimes` on SIGHUP without touching running containers, but only
 * from the config file it was started with: one started before the stack
 * wrote one needs a restart.
 */
async function syncRuntimes(ctx: StackContext, pid: number, runsc: RunscStatus): Promise<void> {
  const { paths, log } = ctx;
  const wanted = wantedRuntime(runsc);
  if (sameRuntime(await registeredRuntime(paths.docker.socket), wanted)) {
    if (wanted) log(`docker: ${runtimeLabel(runsc)} registered`);
    return;
  }
  const argv = cmdlineOf(pid);
  const configIndex = argv.indexOf('--config-file');
  if (configIndex < 0 || argv[configIndex + 1] !== paths.docker.configFile) {
    log(
      `docker: the running dockerd (pid ${pid}) was started without ${displayPath(paths, paths.docker.configFile)}, so it does not have ${runtimeLabel(runsc)}; ` +
        'run `golden stack restart docker` to register it (containers running in it are stopped)',
    );
    return;
  }
  log(`docker: reloading ${displayPath(paths, paths.docker.configFile)} (SIGHUP to pid ${pid}) for ${runtimeLabel(runsc)}`);
  process.kill(pid, 'SIGHUP');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (sameRuntime(await registeredRuntime(paths.docker.socket), wanted)) {
      log(`docker: ${runtimeLabel(runsc)} registered`);
      return;
    }
    await sleep(250);
  }
  log(`docker: dockerd (pid ${pid}) did not apply the reloaded runtimes within 10s (see its log); run \`golden stack restart docker\``);
}

/** Starts our dockerd (or reuses it), with gVisor registered when it works here; returns its DOCKER_HOST. */
export async function ensureDocker(ctx: StackContext, bins: Binaries): Promise<string> {
  const { paths } = ctx;
  const dockerd = bins.dockerd;
  if (!dockerd) throw new Error('dockerd binary was not located');
  const proc = dockerProcess(paths, bins);
  const address = (): string => managedDockerHost(paths);
  // dockerd reads its runtimes when it starts, so gVisor is settled first.
  const runsc = await setUpRunsc(paths, ctx.log);
  writeDaemonConfig(paths, runsc);
  const { pid } = await ensureRunning(ctx, proc, address, async () => {
    mkdirSync(paths.docker.dataRoot, { recursive: true, mode: 0o710 });
    mkdirSync(paths.docker.execRoot, { recursive: true, mode: 0o700 });
    mkdirSync(dirname(paths.docker.socket), { recursive: true, mode: 0o755 });
    // dockerd refuses to start over a pid file whose pid is alive, even when that pid is now someone else.
    if (findLivePid(paths, proc) === undefined) removeFile(paths.docker.pidFile);
    return {
      address: address(),
      spec: {
        command: dockerd,
        args: [
          '--data-root', paths.docker.dataRoot,
          '--exec-root', paths.docker.execRoot,
          '--pidfile', paths.docker.pidFile,
          '-H', `unix://${paths.docker.socket}`,
          '--config-file', paths.docker.configFile,
          // Sandbox containers run with --network=none; leaving the host's firewall and bridges alone.
          '--iptables=false',
          '--ip6tables=false',
          '--bridge=none',
        ],
      },
    };
  });
  await syncRuntimes(ctx, pid, runsc).catch((err: unknown) => ctx.log(`docker: could not check its runtimes: ${(err as Error).message}`));
  return address();
}

/**
 * A daemon we do not manage keeps its own runtimes: only records whether it
 * offers gVisor (for `doctor` and the tests), never builds or registers anything.
 */
export async function detectExternalGvisor(paths: StackPaths, dockerHost: string, log: Log): Promise<void> {
  let status: RunscStatus;
  try {
    const info = (await createDocker({ DOCKER_HOST: dockerHost }).info()) as { Runtimes?: Record<string, RuntimeEntry>; KernelVersion?: string };
    const runtime = info.Runtimes?.[GVISOR_RUNTIME];
    const args = runtime?.runtimeArgs ?? [];
    status = runtime
      ? {
          available: true,
          path: runtime.path,
          version: 'external',
          // runsc's own default when the daemon's entry does not choose one.
          platform: /--platform=(\w+)/.exec(args.join(' '))?.[1] ?? 'systrap',
          runtimeArgs: args,
          kernel: info.KernelVersion ?? 'unknown',
          checkedAt: new Date().toISOString(),
        }
      : runscUnavailable(`the external Docker daemon at ${dockerHost} has no ${GVISOR_RUNTIME} runtime; register gVisor in that daemon's own configuration`);
  } catch (err) {
    status = runscUnavailable(`could not ask the external Docker daemon at ${dockerHost} for its runtimes: ${(err as Error).message}`);
  }
  writeRunscStatus(paths, status);
  log(status.available ? `docker: the external daemon offers ${runtimeLabel(status)}` : `docker: ${status.reason}`);
}
