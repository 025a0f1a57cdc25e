import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';

export function healthRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', { config: { public: true }, schema: { summary: 'Liveness', response: { 200: z.object({ ok: z.literal(true) }) } } }, async () => ({ ok: true as const }));

    app.get('/metrics', { config: { public: true }, schema: { summary: 'Prometheus metrics', hide: true } }, async (_request, reply) =>
      reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
    );
  };
}
