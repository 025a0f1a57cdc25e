/**
 * Latency of one sandbox run of `python3 -c pass`, per runtime the engine
 * offers, in the same run:
 *   bare      create/start/wait/remove of the same image with no options (what `docker run --rm` does)
 *   hardened  SandboxExecutor.run: every limit, the /code volume, the containment check, capped output, removal
 *   warm      WarmPool.run: exec in a started container with the same limits, which is then destroyed
 *             (its removal and the refill happen after the result, off the caller's path; the pool is
 *             refilled before each measured run, untimed)
 * Variants are interleaved round by round so drift hits all alike. Goals:
 * hardened/bare p50 ≤ 1.15, warm/hardened p50 ≤ 0.25. Prints; asserts
 * nothing about timing (exits non-zero only if a run fails).
 *
 * BENCH_SCALE=ci: 8 runs per variant and runtime (~30 s with runc); default: 30.
 */
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type { SandboxRuntime } from '../domain/sandbox.js';
import { loadConfig } from '../lib/config.js';
import { createDocker } from '../lib/docker.js';
import type { SandboxExecutor } from '../lib/sandbox/executor.js';
import { createSandboxExecutor } from '../lib/sandbox/from-config.js';
import { engineRuntimes, sandboxRuntimesOf } from '../lib/sandbox/runtime.js';
import { WarmPool } from '../lib/sandbox/warm-pool.js';
import { requireServices } from '../test/support/services.js';

const SCALES = { ci: { runs: 8, warmup: 2 }, default: { runs: 30, warmup: 3 } } as const;
const scale = SCALES[process.env.BENCH_SCALE === 'ci' ? 'ci' : 'default'];
const COMMAND = ['python3', '-c', 'pass'];
type VariantName = 'bare' | 'hardened' | 'warm';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function bareRun(docker: Docker, image: string, runtime: SandboxRuntime): Promise<void> {
  // No options but the runtime under test (and no network: this engine has no bridge to attach a default one to).
  const container = await docker.createContainer({ Image: image, Cmd: COMMAND, HostConfig: { Runtime: runtime, NetworkMode: 'none' } });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  await container.remove({ v: true });
  if (StatusCode !== 0) throw new Error(`bare run exited ${StatusCode}`);
}

let seq = 0;
const request = () => ({ tenantId: 'bench', runId: `bench-${process.pid}-${(seq += 1)}`, language: 'python' as const, files: [], command: COMMAND });

async function hardenedRun(executor: SandboxExecutor, runtime: SandboxRuntime): Promise<void> {
  const run = await executor.run(request(), { runtime });
  if (run.exitCode !== 0) throw new Error(`hardened run exited ${run.exitCode}: ${run.stderr}`);
}

async function warmRun(pool: WarmPool, runtime: SandboxRuntime): Promise<void> {
  const run = await pool.run(request(), { runtime });
  if (!run) throw new Error('the warm pool had no container ready');
  if (run.exitCode !== 0) throw new Error(`warm run exited ${run.exitCode}: ${run.stderr}`);
}

async function untilReady(pool: WarmPool): Promise<void> {
  for (let i = 0; i < 300 && pool.size('python') < 1; i += 1) await new Promise((r) => setTimeout(r, 50));
  if (pool.size('python') < 1) throw new Error('the warm pool was not refilled within 15 s');
  // Let the background removal of the previous container finish too, so it does not overlap the next measurement.
  await new Promise((r) => setTimeout(r, 300));
}

async function benchRuntime(docker: Docker, executor: SandboxExecutor, image: string, runtime: SandboxRuntime) {
  const pool = new WarmPool(executor, { size: 1, maxAgeMs: 600_000, languages: ['python'], runtime });
  await pool.start();
  const variants: Record<VariantName, () => Promise<void>> = {
    bare: () => bareRun(docker, image, runtime),
    hardened: () => hardenedRun(executor, runtime),
    warm: () => warmRun(pool, runtime),
  };
  const times: Record<VariantName, number[]> = { bare: [], hardened: [], warm: [] };
  const order: VariantName[] = ['bare', 'hardened', 'warm'];
  try {
    for (let round = 0; round < scale.warmup + scale.runs; round += 1) {
      // Rotate the order each round: no variant always runs right after another's cleanup.
      for (const name of [...order.slice(round % 3), ...order.slice(0, round % 3)]) {
        if (name === 'warm') await untilReady(pool);
        const started = performance.now();
        await variants[name]();
        const ms = performance.now() - started;
        if (round >= scale.warmup) times[name].push(ms);
        // The warm run's removal and refill go on after its result; let them end before the next measurement.
        if (name === 'warm') await untilReady(pool);
      }
    }
  } finally {
    await pool.close();
  }
  return times;
}

async function main(): Promise<void> {
  const config = loadConfig();
  await requireServices(config, ['docker']);
  const docker = createDocker(config);
  const executor = createSandboxExecutor(config, docker);
  await docker.getImage(config.SANDBOX_IMAGE).inspect().catch(() => {
    throw new Error(`the sandbox image ${config.SANDBOX_IMAGE} is missing; run \`golden stack up\``);
  });
  const runtimes = sandboxRuntimesOf(await engineRuntimes(docker));
  console.log(`sandbox bench: python3 -c pass, ${scale.runs} runs per variant after ${scale.warmup} warm-up rounds, runtimes: ${runtimes.join(', ')}`);
  for (const runtime of runtimes) {
    const times = await benchRuntime(docker, executor, config.SANDBOX_IMAGE, runtime);
    const p = (name: VariantName, q: number) => percentile(times[name], q);
    for (const name of ['bare', 'hardened', 'warm'] as const) {
      console.log(`  ${runtime.padEnd(5)} ${name.padEnd(8)} p50 ${p(name, 50).toFixed(0).padStart(5)} ms   p95 ${p(name, 95).toFixed(0).padStart(5)} ms`);
    }
    const cold = p('hardened', 50) / p('bare', 50);
    const warm = p('warm', 50) / p('hardened', 50);
    console.log(`  ${runtime.padEnd(5)} hardened/bare p50 ${cold.toFixed(2)}× (goal ≤ 1.15×)   warm/hardened p50 ${warm.toFixed(2)}× (goal ≤ 0.25×)`);
  }
}

main().catch((err: unknown) => {
  console.error(`sandbox bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
