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

// Below Linux's default ephemeral range (32768-60999): a port chosen there can be taken by any
// outgoing connection between the check and the service binding it (seen: Temporal's UI port).
const PORT_RANGE = { from: 20_000, to: 32_767 } as const;
const MAX_TRIES = 2_000;

/**
 * Free ports on 127.0.0.1, chosen at random below the ephemeral range. All
 * are held open together until every one is chosen, so the same port is
 * never returned twice.
 */
export async function pickFreePorts(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries += 1) {
      if (tries >= MAX_TRIES) throw new Error(`cannot find ${count} free ports on 127.0.0.1 between ${PORT_RANGE.from} and ${PORT_RANGE.to}`);
      const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from + 1));
      if (avoid.has(port) || ports.includes(port)) continue;
      const server = await listen(port);
      if (!server) continue;
      held.push(server);
      ports.push(port);
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
