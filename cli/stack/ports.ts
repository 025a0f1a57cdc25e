import { connect, createServer, type Server } from 'node:net';

const HOST = '127.0.0.1';

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(undefined));
    server.listen({ host: HOST, port, exclusive: true }, () => resolvePromise(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

/** True when nothing listens on 127.0.0.1:port (checked by binding it for a moment). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = await listen(port);
  if (!server) return false;
  await close(server);
  return true;
}

/**
 * Ports the kernel hands out for 127.0.0.1:0. All are held open together
 * until every one is chosen, so the same port is never returned twice.
 */
export async function pickFreePorts(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = await listen(0);
      if (!server) throw new Error('cannot bind any port on 127.0.0.1');
      held.push(server);
      const address = server.address();
      if (address && typeof address === 'object' && !avoid.has(address.port)) ports.push(address.port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  return ports;
}

/** True when a TCP connection to 127.0.0.1:port is accepted within the timeout. */
export function portAnswers(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
