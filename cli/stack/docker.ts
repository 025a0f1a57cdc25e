import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Docker from 'dockerode';
import type { Binaries } from './apt.js';
import { ensureRunning, findLivePid, type ManagedProcess, type StackContext } from './component.js';
import { exeNameOf } from './exec.js';
import type { StackPaths } from './paths.js';
import { removeFile } from './processes.js';

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

/** Starts our dockerd (or reuses it); returns its DOCKER_HOST. */
export async function ensureDocker(ctx: StackContext, bins: Binaries): Promise<string> {
  const { paths } = ctx;
  const dockerd = bins.dockerd;
  if (!dockerd) throw new Error('dockerd binary was not located');
  const proc = dockerProcess(paths, bins);
  const address = (): string => managedDockerHost(paths);
  await ensureRunning(ctx, proc, address, async () => {
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
          // Sandbox containers run with --network=none; leaving the host's firewall and bridges alone.
          '--iptables=false',
          '--ip6tables=false',
          '--bridge=none',
        ],
      },
    };
  });
  return address();
}
