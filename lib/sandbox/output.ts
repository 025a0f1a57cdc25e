import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';

/** One stream's kept bytes, up to its cap, and how many arrived in all. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const slice = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(Buffer.from(slice));
    this.kept += slice.length;
  }

  get truncated(): boolean {
    return this.total > this.cap;
  }

  text(): string {
    // A multi-byte character cut by the cap becomes U+FFFD, never an exception.
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface CapturedOutput {
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Bytes that arrived on both streams, kept or not. */
  totalBytes: number;
}

/**
 * Reads Docker's multiplexed attach/exec stream (8-byte frame headers: stream
 * id, then a big-endian length), keeping at most `cap` bytes of each of
 * stdout and stderr. `onFlood` is called once when everything that arrived
 * exceeds `floodBytes`, so the caller can stop a run that only floods.
 */
export function captureOutput(stream: Readable, cap: number, floodBytes: number, onFlood: () => void): { done: Promise<CapturedOutput> } {
  const out = new CappedBuffer(cap);
  const err = new CappedBuffer(cap);
  let pending: Buffer = Buffer.alloc(0);
  let flooded = false;
  const done = new Promise<CapturedOutput>((resolve) => {
    const finish = () =>
      resolve({
        stdout: out.text(),
        stderr: err.text(),
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        totalBytes: out.total + err.total,
      });
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const target = pending[0] === 2 ? err : out;
        target.push(pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
      if (!flooded && out.total + err.total > floodBytes) {
        flooded = true;
        onFlood();
      }
    });
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
  return { done };
}
