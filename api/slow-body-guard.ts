import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

const REQUEST_TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * Cuts the connection of a request whose body has not fully arrived within
 * `timeoutMs` of its headers. Node's own `requestTimeout` does not end a
 * client that sent its headers and keeps dribbling its body a byte at a time
 * (seen: still connected after 70 s with a 3 s limit), and enough of those
 * would exhaust the process's file descriptors. Requests without a body cost
 * nothing here.
 */
export function guardSlowBodies(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    const length = raw.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || raw.headers['transfer-encoding'] !== undefined;
    if (hasBody && !raw.complete) {
      const timer = setTimeout(() => {
        const socket = raw.socket as Partial<Socket> | undefined;
        // An injected request (app.inject) has a stand-in socket with nothing to cut.
        if (raw.complete || typeof socket?.destroy !== 'function' || typeof socket.end !== 'function') return;
        if (reply.raw.headersSent) socket.destroy();
        else socket.end(REQUEST_TIMEOUT_RESPONSE, () => socket.destroy?.());
      }, timeoutMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      raw.once('end', clear);
      raw.once('close', clear);
    }
    done();
  });
}
