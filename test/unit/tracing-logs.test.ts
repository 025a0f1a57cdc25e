import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../../lib/logger.js';
import { temporalLogger } from '../../lib/temporal-logger.js';
import { startTracing, type Tracing } from '../../lib/tracing.js';

/** A logger whose JSON lines are kept for the test to read. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('tracing-logs-test', 'info', sink), lines };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('tracing config and log correlation', () => {
  it('with OTEL_TRACES_EXPORTER=none nothing is installed', async () => {
    assert.equal(await startTracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, 'off'), undefined);
  });

  describe('with a tracer provider installed', () => {
    let tracing: Tracing;
    const exporter = new InMemorySpanExporter();
    before(async () => {
      const started = await startTracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, 'tracing-logs-test', new SimpleSpanProcessor(exporter));
      assert.ok(started, 'a given span processor installs tracing even with the exporter off');
      tracing = started;
    });

    it('a line logged inside a span carries its trace_id and span_id; one outside carries neither', async () => {
      const { logger, lines } = capturedLogger();
      const ids = await tracing.tracer.startActiveSpan('work', async (span) => {
        await Promise.resolve(); // across an await, as in a request handler
        logger.info('inside');
        span.end();
        return span.spanContext();
      });
      logger.info('outside');
      await flush();
      const inside = lines.find((l) => l.msg === 'inside');
      const outside = lines.find((l) => l.msg === 'outside');
      assert.equal(inside?.trace_id, ids.traceId);
      assert.equal(inside?.span_id, ids.spanId);
      assert.ok(outside && !('trace_id' in outside), JSON.stringify(outside));
      assert.equal(exporter.getFinishedSpans().find((s) => s.name === 'work')?.spanContext().traceId, ids.traceId);
    });

    it("the SDK's log lines keep the interceptors' trace ids only when this process exports traces", async () => {
      const { logger, lines } = capturedLogger();
      const meta = { workflowId: 'wf-1', trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01' };
      temporalLogger(logger, { traced: true }).info('traced', meta);
      temporalLogger(logger, { traced: false }).info('untraced', meta);
      await flush();
      assert.equal(lines.find((l) => l.msg === 'traced')?.trace_id, meta.trace_id);
      const untraced = lines.find((l) => l.msg === 'untraced');
      assert.equal(untraced?.workflowId, 'wf-1');
      assert.ok(untraced && !('trace_id' in untraced) && !('span_id' in untraced), JSON.stringify(untraced));
    });
  });
});
