import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a service, for this suite's clients only: `cut()`
 * drops every connection through it and turns new ones away until `heal()`,
 * a network partition between our clients and the service that leaves
 * everyone else's connections alone. Needed because a restarted Redis is
 * back within ~0.2 s, before ioredis even notices, and so no call would ever
 * see it fail.
 */
export class Partition {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private blocked = false;
  cuts = 0;

  private constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.server = createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.host, port: this.port });
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on('close', () => this.open.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  /** Listens on a free local port; returns the URL to use instead of `url`. */
  static async start(url: string): Promise<{ partition: Partition; url: string }> {
    const target = new URL(url);
    const partition = new Partition(target.hostname, Number(target.port));
    await new Promise<void>((resolve) => partition.server.listen(0, '127.0.0.1', resolve));
    const address = partition.server.address();
    if (address === null || typeof address === 'string') throw new Error('the partition proxy has no TCP port');
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(address.port);
    return { partition, url: proxied.toString() };
  }

  cut(): void {
    this.blocked = true;
    this.cuts += 1;
    for (const s of this.open) s.destroy();
  }

  heal(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
