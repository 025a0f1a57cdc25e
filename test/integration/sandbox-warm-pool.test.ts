import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { containerSpec } from '../../domain/sandbox-limits.js';
import { failureReasonOf, SANDBOX_IDLE_USER, SANDBOX_LABELS, type SandboxRunRequest } from '../../domain/sandbox.js';
import { createDocker } from '../../lib/docker.js';
import { createSandboxExecutor, sandboxLimits } from '../../lib/sandbox/from-config.js';
import { WarmPool } from '../../lib/sandbox/warm-pool.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig();
const docker = createDocker(config);
const executor = createSandboxExecutor(config, docker);
let pool: WarmPool;
const errors: unknown[] = [];

const request = (fields: Partial<SandboxRunRequest>): SandboxRunRequest => ({ tenantId: 'pool-tenant', runId: uniqueId('pool'), language: 'python', files: [], ...fields });

async function poolContainers(): Promise<Array<{ Id: string; Labels: Record<string, string> }>> {
  const all = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABELS.pool] } });
  return all.filter((c) => c.Labels?.[SANDBOX_LABELS.owner]?.endsWith(`/${process.pid}`));
}

async function ready(): Promise<void> {
  for (let i = 0; i < 200 && pool.size('python') < 2; i += 1) await sleep(50);
  assert.equal(pool.size('python'), 2, 'the pool was not refilled');
}

describe('warm pool', () => {
  before(async () => {
    await requireServices(config, ['docker']);
    pool = new WarmPool(executor, { size: 2, maxAgeMs: 120_000, languages: ['python'], onError: (err) => errors.push(err) });
    await pool.start();
  });
  after(async () => {
    await pool?.close();
    assert.deepEqual(await poolContainers(), [], 'pool containers left behind');
    assert.deepEqual(errors, []);
  });

  it('keeps started containers with every limit of a cold run', async () => {
    await ready();
    const containers = await poolContainers();
    assert.equal(containers.length, 2);
    // The pool's runtime: under runsc the pids limit carries SANDBOX_RUNSC_PIDS_OVERHEAD on top.
    const runtime = await executor.resolveRuntime();
    const want = containerSpec({ image: config.SANDBOX_IMAGE, runtime, language: 'python', limits: sandboxLimits(config), command: [], env: {}, labels: {} }).HostConfig;
    for (const c of containers) {
      const info = (await docker.getContainer(c.Id).inspect()) as unknown as { State: { Running: boolean }; HostConfig: typeof want; Config: { User: string } };
      assert.equal(info.State.Running, true);
      // The idle main process is another user than the run, which the launcher is.
      assert.equal(info.Config.User, SANDBOX_IDLE_USER);
      for (const key of ['Runtime', 'NetworkMode', 'ReadonlyRootfs', 'Memory', 'MemorySwap', 'NanoCpus', 'PidsLimit', 'CapDrop', 'SecurityOpt'] as const) {
        assert.deepEqual(info.HostConfig[key], want[key], key);
      }
    }
  });

  it('uses each container for exactly one run, then destroys it and refills', async () => {
    await ready();
    const before = new Set((await poolContainers()).map((c) => c.Id));
    const first = await pool.run(request({ files: [{ path: 'a.py', content: 'import os\nprint(os.getuid(), os.getcwd())\nopen("/tmp/mark", "w").write("x")\n' }], command: ['python3', 'a.py'] }));
    assert.ok(first?.warm);
    assert.equal(first.stdout.trim(), '65534 /code');
    assert.equal(first.exitCode, 0, first.stderr);
    // A second run never sees the first one's files: it gets another container.
    const second = await pool.run(request({ command: ['sh', '-c', 'ls /code; cat /tmp/mark 2>&1 || true'] }));
    assert.ok(second?.warm);
    assert.doesNotMatch(second.stdout, /a\.py|^x$/m);
    await ready();
    const after = new Set((await poolContainers()).map((c) => c.Id));
    assert.equal([...after].filter((id) => before.has(id)).length, 0, 'a used container came back to the pool');
  });

  it('kills the run and everything it left at the timeout', async () => {
    await ready();
    const run = await pool.run(request({ command: ['sh', '-c', '(sleep 300 &); echo started; sleep 300'], timeoutMs: 1_500 }));
    assert.ok(run);
    assert.equal(run.flags.timedOut, true);
    assert.match(run.stdout, /started/);
    assert.ok(run.durationMs < 1_500 + 3_000);
  });

  it('ends when the run ends even if a grandchild holds stdout', async () => {
    await ready();
    const run = await pool.run(request({ command: ['sh', '-c', '(sleep 300 &); echo done'], timeoutMs: 10_000 }));
    assert.ok(run);
    assert.equal(run.flags.timedOut, false);
    assert.equal(run.exitCode, 0);
    assert.ok(run.durationMs < 3_000, `took ${run.durationMs} ms`);
  });

  // One allocation far past the limit (under gVisor the host's OOM killer stops the whole sandbox, and the
  // exec alone would say 128), and one growing step by step (gVisor's own OOM killer ends the process).
  for (const [kind, code] of [
    ['one huge allocation', 'b = bytearray(600 * 1024 * 1024)'],
    ['an allocation growing in steps', 'b = []\nwhile True: b.append(bytearray(16 * 1024 * 1024))'],
  ] as const) {
    it(`reports an OOM kill of the run: ${kind}`, async () => {
      await ready();
      const run = await pool.run(request({ command: ['python3', '-c', code] }));
      assert.ok(run);
      assert.equal(run.exitCode, 137, run.stderr);
      assert.equal(run.flags.oomKilled, true);
      assert.equal(run.flags.timedOut, false);
      assert.equal(failureReasonOf(run.flags), 'oom');
    });
  }

  it('passes only the explicit environment', async () => {
    await ready();
    const run = await pool.run(request({ command: ['sh', '-c', 'env | sort'], env: { ONLY_THIS: '1' } }));
    assert.ok(run);
    const names = run.stdout.trim().split('\n').map((l) => l.split('=')[0]);
    assert.ok(names.includes('ONLY_THIS'));
    for (const name of names) assert.ok(['ONLY_THIS', 'PATH', 'HOME', 'LANG', 'PYTHONDONTWRITEBYTECODE', 'HOSTNAME', 'PWD'].includes(name!), `unexpected ${name}`);
  });

  it('closes while a refill is starting without leaving an open connection behind', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap' || r === 'TCPSocketWrap').length;
    // Counted while the main pool is idle and full: its launchers' streams are then all it holds open.
    await ready();
    await sleep(200);
    const before = sockets();
    const small = new WarmPool(executor, { size: 1, maxAgeMs: 60_000, languages: ['python'], onError: (err) => errors.push(err) });
    await small.start();
    assert.ok(await small.run(request({ command: ['true'] })));
    // The run's replacement is being started now: close() must wait for it and destroy it with its launcher stream.
    await small.close();
    assert.equal(small.size('python'), 0);
    await sleep(200);
    assert.equal(sockets(), before, 'a Docker connection stayed open after close()');
  });

  it('returns undefined when empty, so the caller starts a cold container', async () => {
    const small = new WarmPool(executor, { size: 0, maxAgeMs: 60_000, languages: ['python'] });
    await small.start();
    assert.equal(await small.run(request({ command: ['true'] })), undefined);
    await small.close();
  });
});
