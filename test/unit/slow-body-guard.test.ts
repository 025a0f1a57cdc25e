import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { guardSlowBodies } from '../../api/slow-body-guard.js';

const TIMEOUT_MS = 300;

/** Sends headers announcing a body, then one byte every 50 ms; resolves with what the server answered once it closes. */
function dribble(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 50);
    socket.on('close', () => {
      clearInterval(drip);
      resolve(answer);
    });
    socket.write(`POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
  });
}

describe('slow request bodies', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    app = Fastify();
    guardSlowBodies(app, TIMEOUT_MS);
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/refused') await reply.code(401).send({ error: 'no' });
    });
    app.post('/echo', async (request) => ({ got: request.body }));
    app.post('/refused', async () => ({}));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => app.close());

  it('answers a body that arrives in time as usual', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { got: { a: 1 } });
  });

  it('cuts a client that dribbles its body with a 408', async () => {
    assert.match(await dribble(port, '/echo'), /^HTTP\/1\.1 408 Request Timeout/);
  });

  it('also cuts one whose request was refused before its body was read', async () => {
    const answer = await dribble(port, '/refused');
    assert.match(answer, /^HTTP\/1\.1 401/);
  });

  it('leaves injected requests alone (their socket is a stand-in)', async () => {
    const res = await app.inject({ method: 'POST', url: '/refused', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    assert.equal(res.statusCode, 401);
    // Past the time-out: a cut attempt on the stand-in would throw here as an uncaught exception.
    await sleep(TIMEOUT_MS * 2);
  });
});
