import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureReasonOf, SandboxRunRequest } from '../../domain/sandbox.js';
import { containerSpec, containmentProblems, parseByteSize, type SandboxLimits } from '../../domain/sandbox-limits.js';
import { parseRateLimit, rateDecision } from '../../domain/sandbox-rate-limit.js';
import { parseNodeTestSummary, parsePytestSummary } from '../../domain/sandbox-test-report.js';

const limits: SandboxLimits = {
  memoryBytes: 256 * 1024 * 1024,
  cpus: 0.5,
  pids: { python: 10, javascript: 64 },
  runscPidsOverhead: 32,
  tmpfsBytes: 16 * 1024 * 1024,
  fileSizeBytes: 8 * 1024 * 1024,
  openFiles: 256,
  timeoutMs: 30_000,
  outputBytes: 1024 * 1024,
};
const spec = containerSpec({ image: 'img', runtime: 'runc', language: 'python', limits, command: ['python3'], env: { FOO: 'bar' }, labels: { a: 'b' } });

describe('sandbox container spec', () => {
  it('applies every limit of the seed', () => {
    const h = spec.HostConfig;
    assert.equal(h.NetworkMode, 'none');
    assert.equal(spec.NetworkDisabled, true);
    assert.equal(h.ReadonlyRootfs, true);
    assert.equal(h.Memory, 256 * 1024 * 1024);
    assert.equal(h.MemorySwap, h.Memory, 'no swap');
    assert.equal(h.NanoCpus, 500_000_000);
    assert.equal(h.PidsLimit, 10);
    assert.deepEqual(h.CapDrop, ['ALL']);
    assert.deepEqual(h.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(spec.User, '65534:65534');
    assert.match(h.Tmpfs['/tmp']!, /size=16777216/);
    assert.match(h.Tmpfs['/tmp']!, /noexec/);
    assert.deepEqual(h.Ulimits, [
      { Name: 'nofile', Soft: 256, Hard: 256 },
      { Name: 'fsize', Soft: 8 * 1024 * 1024, Hard: 8 * 1024 * 1024 },
    ]);
    assert.deepEqual(h.Binds, []);
    assert.equal(h.Privileged, false);
    assert.equal(h.LogConfig.Type, 'none');
  });

  it('passes only the base environment and the request variables', () => {
    const names = spec.Env.map((e) => e.split('=')[0]).sort();
    assert.deepEqual(names, ['FOO', 'HOME', 'LANG', 'PATH', 'PYTHONDONTWRITEBYTECODE']);
  });

  it('gives javascript its own pids limit', () => {
    const js = containerSpec({ image: 'img', runtime: 'runsc', language: 'javascript', limits, command: ['node'], env: {}, labels: {} });
    assert.equal(js.HostConfig.PidsLimit, 64 + 32, "gVisor's own threads get their allowance");
    assert.equal(js.HostConfig.Runtime, 'runsc');
  });
});

describe('containment check', () => {
  const inspected = {
    Config: { User: '65534:65534' },
    HostConfig: { ...spec.HostConfig, CapDrop: ['ALL'], CapAdd: null, Binds: null },
    Mounts: [{ Type: 'volume', Destination: '/code' }],
  };

  it('accepts a container created as specified', () => {
    assert.deepEqual(containmentProblems(spec, inspected), []);
  });

  it('names every weakened setting', () => {
    const weak = {
      Config: { User: 'root' },
      HostConfig: { ...inspected.HostConfig, NetworkMode: 'host', ReadonlyRootfs: false, Privileged: true, CapAdd: ['SYS_ADMIN'], SecurityOpt: ['seccomp=unconfined'], PidsLimit: 0 },
      Mounts: [{ Type: 'bind', Destination: '/var/run/docker.sock' }],
    };
    const problems = containmentProblems(spec, weak).join('\n');
    for (const word of ['user', 'network', 'writable', 'privileged', 'added', 'no-new-privileges', 'seccomp', 'pids', 'bind mount']) {
      assert.match(problems, new RegExp(word));
    }
  });
});

describe('sandbox run request', () => {
  const base = { tenantId: 't', runId: 'r-1', language: 'python', files: [{ path: 'pkg/test_a.py', content: 'x' }] };
  it('accepts relative paths', () => assert.ok(SandboxRunRequest.safeParse(base).success));
  it('refuses paths that leave /code, absolute paths, duplicates, bad env names', () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a//b', './a']) {
      assert.equal(SandboxRunRequest.safeParse({ ...base, files: [{ path, content: '' }] }).success, false, path);
    }
    assert.equal(SandboxRunRequest.safeParse({ ...base, files: [base.files[0], base.files[0]] }).success, false);
    assert.equal(SandboxRunRequest.safeParse({ ...base, env: { 'lower-case': 'x' } }).success, false);
    assert.equal(SandboxRunRequest.safeParse({ ...base, language: 'cobol' }).success, false);
  });
});

describe('sizes and rates', () => {
  it('parses sizes', () => {
    assert.equal(parseByteSize('256m'), 268_435_456);
    assert.equal(parseByteSize('1g'), 1_073_741_824);
    assert.equal(parseByteSize('512k'), 524_288);
    assert.equal(parseByteSize('100'), 100);
    assert.throws(() => parseByteSize('lots'), /not a size/);
  });

  it('parses the seed rate and windows in seconds', () => {
    assert.deepEqual(parseRateLimit('10/minute'), { limit: 10, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('3/hours'), { limit: 3, windowMs: 3_600_000 });
    assert.deepEqual(parseRateLimit('2/5s'), { limit: 2, windowMs: 5_000 });
    assert.throws(() => parseRateLimit('0/minute'), /at least 1/);
    assert.throws(() => parseRateLimit('ten per minute'), /not a rate/);
  });

  it('admits up to the limit in a sliding window, then says how long to wait', () => {
    const rate = { limit: 2, windowMs: 1000 };
    assert.deepEqual(rateDecision(rate, [], 5000), { admitted: true });
    assert.deepEqual(rateDecision(rate, [4500], 5000), { admitted: true });
    assert.deepEqual(rateDecision(rate, [4200, 4500], 5000), { admitted: false, waitMs: 200 });
    assert.deepEqual(rateDecision(rate, [3000, 4200, 4500], 5000), { admitted: false, waitMs: 200 });
    assert.deepEqual(rateDecision(rate, [3900, 4500], 5000), { admitted: true });
  });
});

describe('test summaries', () => {
  it('reads pytest closing lines', () => {
    assert.deepEqual(parsePytestSummary('..F\n1 failed, 2 passed in 0.12s\n'), { framework: 'pytest', found: true, passed: 2, failed: 1, errors: 0, skipped: 0 });
    assert.deepEqual(parsePytestSummary('==== 3 passed, 1 skipped, 2 errors in 1.01s ====\n'), { framework: 'pytest', found: true, passed: 3, failed: 0, errors: 2, skipped: 1 });
    assert.equal(parsePytestSummary('no tests ran in 0.01s').found, true);
    assert.equal(parsePytestSummary('Traceback: boom').found, false);
  });

  it('takes the last summary, not a look-alike printed by the code', () => {
    const out = 'print: 99 passed in 0.01s\n.\n1 failed in 0.02s\n';
    assert.equal(parsePytestSummary(out).passed, 0);
    assert.equal(parsePytestSummary(out).failed, 1);
  });

  it('reads node --test totals, TAP and spec', () => {
    const tap = 'TAP version 13\n# tests 3\n# pass 2\n# fail 1\n# cancelled 0\n# skipped 1\n# todo 0\n';
    assert.deepEqual(parseNodeTestSummary(tap), { framework: 'node-test', found: true, passed: 2, failed: 1, errors: 0, skipped: 1 });
    assert.equal(parseNodeTestSummary('ℹ tests 1\nℹ pass 1\nℹ fail 0\n').passed, 1);
    assert.equal(parseNodeTestSummary('SyntaxError').found, false);
  });

  it('classifies sandbox failures', () => {
    assert.equal(failureReasonOf({ timedOut: false, oomKilled: true }), 'oom');
    assert.equal(failureReasonOf({ timedOut: true, oomKilled: false }), 'timeout');
    assert.equal(failureReasonOf({ timedOut: false, oomKilled: false }), undefined);
  });
});
