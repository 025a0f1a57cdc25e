import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** A readiness answer: ready or not, and what is not (named for the operator reading the probe). */
export interface Readiness {
  ready: boolean;
  failing: string[];
}

/**
 * A tiny HTTP server for processes without an API (workers): `/metrics` for
 * Prometheus, `/healthz` for liveness (the process answers and nothing in it
 * has failed) and `/readyz` for readiness (it can do its work now: a draining
 * or cut-off worker is alive but not ready).
 */
export async function startMetricsServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  healthy: () => boolean;
  ready: () => Promise<Readiness>;
  /** Runs before each scrape: collectors that are drained rather than updated in place (the Temporal SDK's buffer). */
  beforeScrape?: () => void;
}): Promise<Server> {
  const json = (res: ServerResponse, ok: boolean, body: unknown) =>
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      Promise.resolve()
        .then(() => opts.beforeScrape?.())
        .then(() => opts.registry.metrics())
        .then((body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body))
        .catch((err: Error) => res.writeHead(500).end(err.message));
    } else if (path === '/healthz') {
      const ok = opts.healthy();
      json(res, ok, { ok });
    } else if (path === '/readyz') {
      opts
        .ready()
        .then((r) => json(res, r.ready, r))
        .catch((err: Error) => json(res, false, { ready: false, failing: [err.message] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
