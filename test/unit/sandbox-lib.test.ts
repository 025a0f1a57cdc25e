import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { SANDBOX_LABELS } from '../../domain/sandbox.js';
import { isLeftover } from '../../lib/sandbox/cleanup.js';
import { captureOutput } from '../../lib/sandbox/output.js';
import { chooseRuntime, SandboxRuntimeUnavailableError } from '../../lib/sandbox/runtime.js';
import { codeArchive } from '../../lib/sandbox/tar.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

describe('output capture', () => {
  it('demultiplexes frames split across chunks and caps each stream', async () => {
    const stream = new PassThrough();
    let flooded = 0;
    const { done } = captureOutput(stream, 5, 1000, () => (flooded += 1));
    const all = Buffer.concat([frame(1, 'hello world'), frame(2, 'err'), frame(1, '!')]);
    stream.write(all.subarray(0, 3));
    stream.write(all.subarray(3, 20));
    stream.end(all.subarray(20));
    const out = await done;
    assert.equal(out.stdout, 'hello');
    assert.equal(out.stderr, 'err');
    assert.equal(out.stdoutTruncated, true);
    assert.equal(out.stderrTruncated, false);
    assert.equal(out.totalBytes, 15);
    assert.equal(flooded, 0);
  });

  it('calls the flood hook once past the flood size', async () => {
    const stream = new PassThrough();
    let flooded = 0;
    const { done } = captureOutput(stream, 4, 10, () => (flooded += 1));
    for (let i = 0; i < 5; i += 1) stream.write(frame(1, 'xxxxxx'));
    stream.end();
    await done;
    assert.equal(flooded, 1);
  });
});

describe('code archive', () => {
  it('writes root-owned entries with parent directories', () => {
    const tar = codeArchive([{ path: 'pkg/a.py', content: 'print(1)\n' }], 0);
    assert.equal(tar.length % 512, 0);
    assert.equal(tar.subarray(0, 4).toString(), 'pkg/');
    assert.equal(tar.toString('ascii', 156, 157), '5');
    assert.equal(tar.toString('ascii', 108, 115), '0000000');
    assert.equal(tar.subarray(512, 520).toString(), 'pkg/a.py');
    assert.equal(tar.toString('ascii', 512 + 100, 512 + 107), '0000644');
    assert.equal(tar.subarray(1024, 1033).toString(), 'print(1)\n');
  });
});

describe('runtime choice', () => {
  it('prefers gVisor when registered, honours a forced runtime, refuses a missing one', () => {
    assert.equal(chooseRuntime('auto', ['runc', 'runsc']), 'runsc');
    assert.equal(chooseRuntime('auto', ['io.containerd.runc.v2', 'runc']), 'runc');
    assert.equal(chooseRuntime('runc', ['runc', 'runsc']), 'runc');
    assert.throws(() => chooseRuntime('runsc', ['runc']), SandboxRuntimeUnavailableError);
  });
});

describe('leftover detection', () => {
  const now = 1_000_000;
  it('removes containers past their deadline or owned by a dead process of this host', () => {
    assert.equal(isLeftover({ [SANDBOX_LABELS.expires]: String(now - 1), [SANDBOX_LABELS.owner]: `${hostname()}/${process.pid}` }, now), true);
    assert.equal(isLeftover({ [SANDBOX_LABELS.expires]: String(now + 1000), [SANDBOX_LABELS.owner]: `${hostname()}/${process.pid}` }, now), false);
    assert.equal(isLeftover({ [SANDBOX_LABELS.expires]: String(now + 1000), [SANDBOX_LABELS.owner]: `${hostname()}/2147483646` }, now), true);
    assert.equal(isLeftover({ [SANDBOX_LABELS.expires]: String(now + 1000), [SANDBOX_LABELS.owner]: 'other-host/1' }, now), false);
    assert.equal(isLeftover({}, now), true);
  });
});
