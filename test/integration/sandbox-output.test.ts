import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { SandboxExecution, SandboxLanguage, SandboxRunRequest, SandboxRuntime } from '../../domain/sandbox.js';
import { createDocker } from '../../lib/docker.js';
import { createSandboxExecutor } from '../../lib/sandbox/from-config.js';
import { engineRuntimes, sandboxRuntimesOf } from '../../lib/sandbox/runtime.js';
import { WarmPool } from '../../lib/sandbox/warm-pool.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

/**
 * Output of over 64 KiB (a host pipe's capacity) arrives whole under every
 * runtime, cold and warm. Under gVisor a write(2) of more than the host pipe
 * has room for comes back short, and a writer that does not write on loses
 * the rest (unbuffered Python did: PYTHONUNBUFFERED is no longer set); these
 * runs prove that Python, node and the shell tools write it all.
 */
const config = testConfig({ SANDBOX_OUTPUT_LIMIT: '512k' });
const cap = config.SANDBOX_OUTPUT_LIMIT;
const docker = createDocker(config);
const executor = createSandboxExecutor(config, docker);
const runtimes: SandboxRuntime[] = sandboxRuntimesOf(await engineRuntimes(docker));
const pools = new Map<SandboxRuntime, WarmPool>();
const errors: unknown[] = [];

type Mode = 'cold' | 'warm';

async function run(runtime: SandboxRuntime, mode: Mode, language: SandboxLanguage, command: string[], timeoutMs = 20_000): Promise<SandboxExecution> {
  const request: SandboxRunRequest = { tenantId: 'output-tenant', runId: uniqueId('output'), language, files: [], command, timeoutMs };
  if (mode === 'cold') return executor.run(request, { runtime });
  const pool = pools.get(runtime)!;
  for (let i = 0; i < 300 && pool.size(language) < 1; i += 1) await sleep(50);
  const result = await pool.run(request, { runtime });
  assert.ok(result, `no warm ${runtime} ${language} container was ready within 15 s`);
  return result;
}

/** The text is exactly what was written (a short write would leave it shorter); the length first, for a readable failure. */
function assertWhole(text: string, expected: string, what: string): void {
  assert.equal(text.length, expected.length, `${what}: ${text.length} of ${expected.length} characters arrived`);
  assert.ok(text === expected, `${what}: other characters arrived`);
}

describe('sandbox output over 64 KiB', () => {
  before(async () => {
    await requireServices(config, ['docker']);
    assert.ok(runtimes.length > 0, 'the engine offers neither runc nor runsc');
    for (const runtime of runtimes) {
      const pool = new WarmPool(executor, { size: 1, maxAgeMs: 300_000, languages: ['python', 'javascript'], runtime, onError: (err) => errors.push(err) });
      await pool.start();
      pools.set(runtime, pool);
    }
  });
  after(async () => {
    await Promise.all([...pools.values()].map((p) => p.close()));
    assert.deepEqual(errors, []);
  });

  for (const runtime of runtimes) {
    for (const mode of ['cold', 'warm'] as const) {
      describe(`runtime ${runtime}, ${mode} container`, () => {
        it('python print of 100 001 bytes', async () => {
          const r = await run(runtime, mode, 'python', ['python3', '-c', 'print("y" * 100000)']);
          assert.equal(r.exitCode, 0, r.stderr);
          assert.equal(r.runtime, runtime);
          assertWhole(r.stdout, `${'y'.repeat(100_000)}\n`, 'stdout');
        });

        it('python single writes of 300 KB to stdout and 150 KB to stderr', async () => {
          const code = 'import sys\nsys.stdout.write("o" * 300000)\nsys.stderr.write("e" * 150000)\n';
          const r = await run(runtime, mode, 'python', ['python3', '-c', code]);
          assert.equal(r.exitCode, 0, r.stderr.slice(0, 500));
          assertWhole(r.stdout, 'o'.repeat(300_000), 'stdout');
          assertWhole(r.stderr, 'e'.repeat(150_000), 'stderr');
          assert.equal(r.flags.stdoutTruncated, false);
        });

        it('node process.stdout.write of 200 KB', async () => {
          const r = await run(runtime, mode, 'javascript', ['node', '-e', 'process.stdout.write("n".repeat(200000))']);
          assert.equal(r.exitCode, 0, r.stderr);
          assertWhole(r.stdout, 'n'.repeat(200_000), 'stdout');
        });

        it('sh pipeline of 200 KB', async () => {
          const r = await run(runtime, mode, 'python', ['sh', '-c', "head -c 200000 /dev/zero | tr '\\0' s"]);
          assert.equal(r.exitCode, 0, r.stderr);
          assertWhole(r.stdout, 's'.repeat(200_000), 'stdout');
        });

        it('keeps exactly the cap of a larger output, flagged truncated', async () => {
          const r = await run(runtime, mode, 'python', ['python3', '-c', `import sys\nsys.stdout.write("c" * ${cap + 100_000})`]);
          assert.equal(r.exitCode, 0, r.stderr);
          assertWhole(r.stdout, 'c'.repeat(cap), 'stdout');
          assert.equal(r.flags.stdoutTruncated, true);
          assert.equal(r.flags.outputFlood, false);
        });

        it('keeps what was flushed before the wall-clock kill', async () => {
          const code = 'import sys, time\nprint("k" * 100000, flush=True)\ntime.sleep(300)\n';
          const r = await run(runtime, mode, 'python', ['python3', '-c', code], 2_000);
          assert.equal(r.flags.timedOut, true);
          assert.ok(r.durationMs < 2_000 + 3_000, `killed after ${r.durationMs} ms`);
          assertWhole(r.stdout, `${'k'.repeat(100_000)}\n`, 'stdout');
        });
      });
    }
  }
});
