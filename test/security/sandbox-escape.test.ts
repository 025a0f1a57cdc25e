import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_LABELS, type SandboxExecution, type SandboxLanguage, type SandboxRuntime } from '../../domain/sandbox.js';
import { createDocker } from '../../lib/docker.js';
import { projectRoot } from '../../lib/paths.js';
import { createSandboxExecutor } from '../../lib/sandbox/from-config.js';
import { engineRuntimes, sandboxRuntimesOf } from '../../lib/sandbox/runtime.js';
import { WarmPool } from '../../lib/sandbox/warm-pool.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

/**
 * Real programs that try to get out of the sandbox, each run under every
 * runtime the engine has (runsc, runc), in a fresh hardened container and in
 * a warm pool's container, each asserted contained. Programs live in sandbox-programs/ and print one
 * CONTAINED or ESCAPED line per attempt; network programs refuse to send
 * anything if the container has any route besides loopback.
 */
const config = testConfig();
const docker = createDocker(config);
const executor = createSandboxExecutor(config, docker);
const runtimes: SandboxRuntime[] = sandboxRuntimesOf(await engineRuntimes(docker));
const programsDir = join(projectRoot(), 'test', 'security', 'sandbox-programs');
const program = (name: string) => ({ path: name, content: readFileSync(join(programsDir, name), 'utf8') });
const probe = program('probe.py');
const pidsLimit = config.SANDBOX_PIDS_LIMIT;

let listener: Server;
let listenerPort = 0;
let listenerConnections = 0;
let sentinel: ReturnType<typeof spawn>;
let volumesBefore: Set<string>;
const table: Array<{ name: string; runtime: SandboxRuntime; mode: string; outcome: string }> = [];
const pools = new Map<SandboxRuntime, WarmPool>();

interface EscapeCase {
  name: string;
  language?: SandboxLanguage;
  /** A file of sandbox-programs/ run with python3 (or sh for .sh). */
  file?: string;
  command?: string[];
  timeoutMs?: number;
  /** Throws when not contained; returns the outcome for the table. */
  check: (run: SandboxExecution) => string;
}

function lines(run: SandboxExecution, marker: string): string[] {
  return run.stdout.split('\n').filter((l) => l.startsWith(`${marker} `));
}

/** Every attempt of the program printed CONTAINED, none ESCAPED, and the program ran to its end. */
function contained(run: SandboxExecution): string {
  const escapes = lines(run, 'ESCAPED');
  assert.deepEqual(escapes, [], `escaped:\n${escapes.join('\n')}\nstderr: ${run.stderr}`);
  const held = lines(run, 'CONTAINED');
  assert.ok(held.length > 0, `the program proved nothing (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.exitCode, 0, `the program failed before its end: ${run.stderr}`);
  assert.equal(run.flags.timedOut, false);
  return `contained (${held.length} attempts refused)`;
}

const CASES: EscapeCase[] = [
  {
    name: 'TCP to a listener on the host loopback',
    file: 'tcp_host_loopback.py',
    check: (run) => {
      const outcome = contained(run);
      assert.equal(listenerConnections, 0, 'the host listener saw a connection');
      return outcome;
    },
  },
  {
    name: '/dev/tcp to the host loopback',
    file: 'dev_tcp.sh',
    check: (run) => {
      const outcome = contained(run);
      assert.equal(listenerConnections, 0);
      return outcome;
    },
  },
  { name: 'DNS lookups', file: 'dns.py', check: contained },
  { name: 'cloud metadata address', file: 'metadata.py', check: contained },
  { name: 'writes outside /tmp', file: 'write_outside_tmp.py', check: contained },
  { name: 'writes to the code directory', file: 'write_code_dir.py', check: contained },
  {
    name: "the worker's environment and secrets",
    file: 'env_secrets.py',
    check: (run) => {
      const outcome = contained(run);
      for (const [name, value] of Object.entries({ DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL, JWT_SECRET: config.JWT_SECRET })) {
        assert.ok(!run.stdout.includes(value), `${name}'s value is visible in the sandbox`);
        assert.ok(!run.stdout.includes(`ENV ${name}=`), `${name} is set in the sandbox`);
      }
      return outcome;
    },
  },
  { name: 'the Docker socket', file: 'docker_socket.py', check: contained },
  { name: 'symlink and hardlink tricks on the code dir', file: 'symlink_hardlink.py', check: contained },
  { name: 'mknod', file: 'mknod.py', check: contained },
  { name: 'setuid binaries', file: 'setuid.py', check: contained },
  { name: 'NoNewPrivs and capabilities in /proc/self/status', file: 'no_new_privs.py', check: contained },
  { name: 'mount, unshare, ptrace, chroot', file: 'mount_unshare_ptrace.py', check: contained },
  {
    name: 'fork bomb (pids limit)',
    file: 'fork_bomb.py',
    check: (run) => {
      // Under gVisor the cgroup's limit also covers gVisor's own threads (SANDBOX_RUNSC_PIDS_OVERHEAD),
      // and using it up stops the whole sandbox: no closing line then, the forks printed before are the evidence.
      const limit = pidsLimit + (run.runtime === 'runsc' ? config.SANDBOX_RUNSC_PIDS_OVERHEAD : 0);
      const forks = Math.max(0, ...[...run.stdout.matchAll(/FORKED (\d+)/g)].map((m) => Number(m[1])));
      assert.ok(forks < limit, `${forks} forks under a pids limit of ${limit}`);
      // Never taken for an OOM kill: that would put the run under the wrong failure reason.
      assert.equal(run.flags.oomKilled, false);
      if (run.runtime === 'runsc' && !/FORKS /.test(run.stdout)) {
        assert.deepEqual(lines(run, 'ESCAPED'), []);
        assert.notEqual(run.exitCode, 0);
        return `sandbox stopped by gVisor after ${forks} forks (exit ${run.exitCode})`;
      }
      const outcome = contained(run);
      return `${outcome}; ${forks} forks allowed of ${limit} pids`;
    },
  },
  {
    name: 'memory bomb (OOM-killed and reported)',
    file: 'memory_bomb.py',
    check: (run) => {
      assert.deepEqual(lines(run, 'ESCAPED'), []);
      assert.equal(run.flags.oomKilled, true, `not reported as OOM-killed (exit ${run.exitCode})`);
      assert.equal(run.exitCode, 137);
      const allocated = Number([...run.stdout.matchAll(/ALLOCATED (\d+) MiB/g)].at(-1)?.[1] ?? 0);
      assert.ok(allocated <= config.SANDBOX_MEMORY / 1024 / 1024);
      return `OOM-killed after ${allocated} MiB`;
    },
  },
  {
    // Under gVisor this stops the whole sandbox (the host's OOM killer), not just the process.
    name: 'memory bomb, one allocation of 600 MiB',
    command: ['python3', '-c', 'b = bytearray(600 * 1024 * 1024)\nprint("ESCAPED memory bomb: allocated 600 MiB")'],
    check: (run) => {
      assert.deepEqual(lines(run, 'ESCAPED'), []);
      assert.equal(run.flags.oomKilled, true, `not reported as OOM-killed (exit ${run.exitCode})`);
      assert.equal(run.exitCode, 137);
      return 'OOM-killed';
    },
  },
  {
    name: 'CPU spin past the timeout',
    command: ['python3', '-c', 'while True: pass'],
    timeoutMs: 2_000,
    check: (run) => {
      assert.equal(run.flags.timedOut, true);
      assert.ok(run.durationMs < 2_000 + 3_000, `killed after ${run.durationMs} ms`);
      return `killed at the timeout (${run.durationMs} ms)`;
    },
  },
  {
    name: 'sleep past the timeout, a grandchild holding stdout',
    command: ['sh', '-c', '(sleep 300 &) ; echo started; sleep 300'],
    timeoutMs: 2_000,
    check: (run) => {
      assert.equal(run.flags.timedOut, true);
      assert.match(run.stdout, /started/);
      assert.ok(run.durationMs < 2_000 + 3_000, `killed after ${run.durationMs} ms`);
      return `killed at the timeout with its grandchild (${run.durationMs} ms)`;
    },
  },
  {
    name: 'output flood',
    command: ['yes', 'flood'],
    check: (run) => {
      assert.equal(run.flags.stdoutTruncated, true);
      assert.equal(run.flags.outputFlood, true);
      assert.ok(Buffer.byteLength(run.stdout) <= config.SANDBOX_OUTPUT_LIMIT);
      return `capped at ${Buffer.byteLength(run.stdout)} bytes, stopped`;
    },
  },
  {
    name: 'huge file write',
    file: 'huge_file.py',
    check: (run) => {
      const outcome = contained(run);
      const wrote = Number(/WROTE (\d+)/.exec(run.stdout)?.[1]);
      assert.ok(wrote <= config.SANDBOX_FILE_SIZE_LIMIT, `${wrote} bytes written`);
      return `${outcome}; stopped at ${wrote} bytes`;
    },
  },
  {
    name: 'signalling host processes (PID namespace)',
    file: 'signal_host.py',
    check: (run) => {
      const outcome = contained(run);
      assert.doesNotThrow(() => process.kill(sentinel.pid!, 0), 'the host sentinel process is gone');
      return outcome;
    },
  },
  { name: 'changing the clock', file: 'clock.py', check: contained },
  { name: 'loading a kernel module', file: 'kernel_module.py', check: contained },
];

type Mode = 'cold' | 'warm';

/** A cold run gets a fresh container; a warm run takes a started one from a pool of this runtime. */
async function runCase(c: EscapeCase, runtime: SandboxRuntime, mode: Mode): Promise<SandboxExecution> {
  const files = c.file ? [probe, program(c.file)] : [];
  const command = c.command ?? (c.file?.endsWith('.sh') ? ['sh', c.file] : ['python3', c.file as string]);
  const request = {
    tenantId: 'escape-suite',
    runId: uniqueId('escape'),
    language: c.language ?? ('python' as const),
    files,
    command,
    env: { HOST_PORT: String(listenerPort), HOST_PID: String(process.pid), SENTINEL_PID: String(sentinel.pid) },
    timeoutMs: c.timeoutMs ?? 20_000,
  };
  if (mode === 'cold') return executor.run(request, { runtime });
  const pool = pools.get(runtime)!;
  for (let i = 0; i < 300 && pool.size('python') < 1; i += 1) await sleep(50);
  const run = await pool.run(request, { runtime });
  assert.ok(run, `no warm ${runtime} container was ready within 15 s`);
  assert.equal(run.warm, true);
  return run;
}

async function leftoverContainers(): Promise<string[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABELS.marker] } });
  return all.filter((c) => (c.Labels?.[SANDBOX_LABELS.runId] ?? '').startsWith('escape-')).map((c) => c.Id);
}

async function volumeNames(): Promise<Set<string>> {
  const { Volumes } = await docker.listVolumes();
  return new Set((Volumes ?? []).map((v) => v.Name));
}

describe('sandbox escape suite', () => {
  before(async () => {
    await requireServices(config, ['docker']);
    await docker.getImage(config.SANDBOX_IMAGE).inspect().catch((err: unknown) => {
      throw new Error(`the sandbox image ${config.SANDBOX_IMAGE} is missing (${(err as Error).message}); run \`golden stack up\``);
    });
    assert.ok(runtimes.length > 0, 'the engine offers neither runc nor runsc');
    listener = createServer((socket) => {
      listenerConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as { port: number }).port;
    sentinel = spawn('sleep', ['600'], { stdio: 'ignore' });
    volumesBefore = await volumeNames();
    for (const runtime of runtimes) {
      const pool = new WarmPool(executor, { size: 1, maxAgeMs: 600_000, languages: ['python'], runtime });
      await pool.start();
      pools.set(runtime, pool);
    }
  });

  after(async () => {
    await Promise.all([...pools.values()].map((p) => p.close()));
    listener?.close();
    sentinel?.kill('SIGKILL');
    const rows = table.map((r) => `${r.name.padEnd(52)} ${r.runtime.padEnd(7)} ${r.mode.padEnd(5)} ${r.outcome}`);
    console.log(`\nsandbox escape suite: ${table.length} runs\n${'case'.padEnd(52)} ${'runtime'.padEnd(7)} ${'mode'.padEnd(5)} outcome\n${rows.join('\n')}`);
  });

  for (const runtime of runtimes) {
    for (const mode of ['cold', 'warm'] as const) {
      describe(`runtime ${runtime}, ${mode} container`, () => {
        for (const c of CASES) {
          it(c.name, async () => {
            let outcome = 'NOT CONTAINED';
            try {
              const run = await runCase(c, runtime, mode);
              assert.equal(run.runtime, runtime);
              outcome = c.check(run);
            } finally {
              table.push({ name: c.name, runtime, mode, outcome });
            }
          });
        }
      });
    }
  }

  it('has at least 20 cases under every runtime', () => {
    assert.ok(CASES.length >= 20);
    assert.ok(readdirSync(programsDir).length >= 15);
  });

  it('leaves no container and no volume behind', async () => {
    await Promise.all([...pools.values()].map((p) => p.close()));
    assert.deepEqual(await leftoverContainers(), []);
    const now = await volumeNames();
    const created = [...now].filter((v) => !volumesBefore.has(v));
    assert.deepEqual(created, [], 'anonymous /code volumes were left behind');
  });
});
