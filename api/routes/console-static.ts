import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
// `schema.hide` (kept out of the API document) is @fastify/swagger's addition to Fastify's types.
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../lib/config.js';

/** Where `npm run build` puts the console (vite's outDir in console/vite.config.ts): dist/console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * The page's content security policy: its own scripts, styles and images only. `default-src` does not
 * cover `base-uri` and `form-action`, so they are named: an injected <base> or form could otherwise
 * point the page's relative script URLs or a submitted token at another origin.
 */
export const CONSOLE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
export const CONSOLE_PATH = '/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/** What the page needs to know about this deployment and cannot read from a protected route. */
export interface ConsoleSettings {
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

/**
 * A JSON answer's validator: a strong ETag over its bytes. GET answers are
 * small (lists are capped at 500 rows), so hashing them costs far less than
 * sending them again to a console that polls.
 */
export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`;
}

function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/**
 * The operator console: its built files under /console/ (public, like any
 * static page: every data call it makes carries the signed-in user's token and
 * is checked by its own route), its settings, and ETags on GET JSON answers so
 * its polling is answered 304 when nothing changed. Called on the root instance
 * before the routes are registered, so the hook covers every route.
 */
export function registerConsole(app: FastifyInstance, config: Config): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' || reply.statusCode !== 200) return payload;
    if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    const etag = etagOf(payload);
    reply.header('etag', etag);
    // Other users' answers differ: a shared cache must not keep one for the next caller.
    reply.header('cache-control', 'private, no-cache');
    const given = request.headers['if-none-match'];
    if (typeof given === 'string' && matches(given, etag)) {
      reply.code(304);
      return '';
    }
    return payload;
  });

  const settings: ConsoleSettings = { temporalUiUrl: config.TEMPORAL_UI_URL ?? null, temporalNamespace: config.TEMPORAL_NAMESPACE };
  app.get('/console', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.redirect(CONSOLE_PATH));
  app.get('/console/settings.json', { config: { public: true }, schema: { hide: true } }, async () => settings);
  app.get('/console/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    // Paths the client routes (no extension) get the page itself.
    const relative = rest === '' || extname(rest) === '' ? 'index.html' : rest;
    const file = normalize(join(CONSOLE_DIR, relative));
    if (!file.startsWith(CONSOLE_DIR.endsWith(sep) ? CONSOLE_DIR : CONSOLE_DIR + sep)) return reply.code(404).type('text/plain').send('not found');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (relative === 'index.html') return reply.code(503).type('text/plain').send('the console is not built: run `npm run build`');
      return reply.code(404).type('text/plain').send('not found');
    }
    // Vite names assets by their content hash, so they never change; the page itself must be fetched fresh.
    const immutable = relative.startsWith('assets/');
    return reply
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(body);
  });
}
