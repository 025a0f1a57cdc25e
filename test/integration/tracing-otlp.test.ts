import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { startTracing } from '../../lib/tracing.js';

describe('OTEL_TRACES_EXPORTER=otlp', () => {
  it("sends the process's spans, under its service name, to the configured OTLP/HTTP endpoint", async () => {
    const received: Array<{ path: string; body: string }> = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    try {
      const tracing = await startTracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces` }, 'otlp-test-service');
      assert.ok(tracing);
      tracing.tracer.startSpan('exported-span').end();
      await tracing.shutdown(); // flushes the batch
      assert.equal(received.length, 1, 'one export request');
      assert.equal(received[0]!.path, '/v1/traces');
      assert.match(received[0]!.body, /exported-span/);
      assert.match(received[0]!.body, /otlp-test-service/);
    } finally {
      collector.close();
    }
  });
});
