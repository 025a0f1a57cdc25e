import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { stackPaths } from '../../cli/stack/paths.js';
import { readRunscStatus, RUNSC_PLATFORMS, type RunscStatus } from '../../cli/stack/runsc-binary.js';
import { createDocker } from '../../lib/docker.js';
import { requireServices, testConfig } from '../support/services.js';

const run = promisify(execFile);
const config = testConfig();
const docker = createDocker(config);
const PROBE_IMAGE = 'golden-runsc-probe:host';

/**
 * The hardened flags of a sandbox run. The pids limit is 64, not the 10 a
 * runc sandbox can live with: under runsc the container's pids cgroup also
 * holds gVisor's own host tasks (about 30 before the first guest process).
 */
function hardened(runtime: 'runc' | 'runsc'): Docker.ContainerCreateOptions {
  return {
    Image: PROBE_IMAGE,
    User: '65534:65534',
    Tty: true,
    // dash builtins only: the image holds nothing else that could read a file.
    Cmd: ['/bin/dash', '-c', 'read -r v < /proc/version; echo "$v"'],
    NetworkDisabled: true,
    HostConfig: {
      Runtime: runtime,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=16m' },
      Memory: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 64,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
  };
}

/** Files of the host's dash and the libraries it links, as `ldd` lists them. */
async function dashClosure(): Promise<string[]> {
  const { stdout } = await run('ldd', ['/bin/dash']);
  const libs = [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1] as string);
  return ['/bin/dash', ...libs];
}

/** A throwaway image made of host files (no registry is reachable): dash, its libraries, the mount points. */
async function ensureProbeImage(): Promise<void> {
  try {
    await docker.getImage(PROBE_IMAGE).inspect();
    return;
  } catch {
    // Not there yet.
  }
  const files = (await dashClosure()).map((f) => f.slice(1));
  // --dereference stores /lib64/ld-linux… and friends as files, not links into nowhere.
  const tar = spawn('tar', ['-C', '/', '--dereference', '-cf', '-', ...files, '--no-recursion', 'proc', 'dev', 'sys', 'tmp'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tarErr = '';
  tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
  const tarExit = new Promise<number | null>((resolve) => tar.once('close', resolve));
  const [repo, tag] = PROBE_IMAGE.split(':') as [string, string];
  const stream = await docker.importImage(tar.stdout, { repo, tag });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  assert.equal(await tarExit, 0, `tar of the probe image failed: ${tarErr}`);
}

/** Runs the probe to completion; returns its output and the wall time from create to exit. */
async function runProbe(runtime: 'runc' | 'runsc'): Promise<{ output: string; exitCode: number; ms: number }> {
  const started = performance.now();
  const container = await docker.createContainer(hardened(runtime));
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const ms = performance.now() - started;
    const output = (await container.logs({ stdout: true, stderr: true })).toString().trim();
    return { output, exitCode: StatusCode, ms };
  } finally {
    await container.remove({ force: true });
  }
}

/** The engine's runsc entry; fails naming the fix when the running dockerd predates gVisor's set-up. */
async function registeredRunsc(): Promise<{ path: string; runtimeArgs?: string[] }> {
  const info = (await docker.info()) as { Runtimes?: Record<string, { path: string; runtimeArgs?: string[] }> };
  const runtime = info.Runtimes?.runsc;
  assert.ok(
    runtime,
    `the engine at ${config.DOCKER_HOST} lists runtimes ${Object.keys(info.Runtimes ?? {}).join(', ')} but not runsc; ` +
      'a dockerd started before gVisor was set up needs `golden stack restart docker`',
  );
  return runtime;
}

const paths = stackPaths();
let status: RunscStatus | undefined;

describe('gVisor (runsc) in the stack’s Docker engine', () => {
  before(async () => {
    await requireServices(config, ['docker']);
    status = readRunscStatus(paths);
  });

  it('was set up by `golden stack up` and works on this machine', () => {
    assert.ok(status, `no gVisor status in ${paths.docker.runscStatusFile}: \`golden stack up\` records one`);
    // Loud on purpose: the recorded reason is the precise cause (build log, or each platform's boot error).
    assert.ok(status.available, `gVisor is unavailable here: ${status.available ? '' : status.reason}`);
    assert.ok((RUNSC_PLATFORMS as readonly string[]).includes(status.platform) || status.version === 'external', `unexpected platform ${status.platform}`);
  });

  it('is registered with the engine as runsc, with the recorded binary and platform', async () => {
    assert.ok(status?.available, 'gVisor is unavailable (see the previous test)');
    const runtime = await registeredRunsc();
    assert.equal(runtime.path, status.path);
    assert.deepEqual(runtime.runtimeArgs ?? [], status.runtimeArgs);
  });

  it('runs a hardened container in gVisor’s kernel, while runc runs it on the host’s', async (t) => {
    assert.ok(status?.available, 'gVisor is unavailable (see the first test)');
    await registeredRunsc();
    await ensureProbeImage();
    const hostKernel = readFileSync('/proc/version', 'utf8').trim();
    const runc = await runProbe('runc');
    const runsc = await runProbe('runsc');
    assert.equal(runc.exitCode, 0, runc.output);
    assert.equal(runsc.exitCode, 0, runsc.output);
    // Same image, same flags: only the runtime differs, and only runsc answers with gVisor's own kernel.
    assert.equal(runc.output, hostKernel);
    assert.notEqual(runsc.output, hostKernel);
    assert.match(runsc.output, /^Linux version \S+-gvisor /);
    t.diagnostic(`create-to-exit: runc ${runc.ms.toFixed(0)} ms, runsc ${runsc.ms.toFixed(0)} ms (platform ${status.platform})`);
  });
});
