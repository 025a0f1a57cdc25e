import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';

const READINESS_TIMEOUT_MS = 2_000;

const CheckResult = z.enum(['ok', 'unavailable']);
const Readiness = z
  .object({ ok: z.boolean(), checks: z.object({ postgres: CheckResult, redis: CheckResult, temporal: CheckResult }) })
  .meta({ id: 'Readiness' });

export function healthRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  // Probes are public, so a failure's cause goes to the log, never into the answer.
  const check = async (name: string, probe: () => Promise<unknown>): Promise<z.infer<typeof CheckResult>> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
        }),
      ]);
      return 'ok';
    } catch (err) {
      deps.logger.warn({ err, dependency: name }, 'readiness check failed');
      return 'unavailable';
    } finally {
      clearTimeout(timer);
    }
  };

  return async (app) => {
    app.get('/healthz', { config: { public: true }, schema: { summary: 'Liveness', response: { 200: z.object({ ok: z.literal(true) }) } } }, async () => ({ ok: true as const }));

    app.get(
      '/readyz',
      {
        config: { public: true },
        schema: { summary: 'Readiness: Postgres, Redis and Temporal answer', response: { 200: Readiness, 503: Readiness } },
      },
      async (_request, reply) => {
        const [postgres, redis, temporal] = await Promise.all([
          check('postgres', () => deps.db.query('SELECT 1')),
          check('redis', () => deps.redis.ping()),
          check('temporal', () => deps.temporal.workflowService.getSystemInfo({})),
        ]);
        const ok = postgres === 'ok' && redis === 'ok' && temporal === 'ok';
        return reply.status(ok ? 200 : 503).send({ ok, checks: { postgres, redis, temporal } });
      },
    );

    app.get('/metrics', { config: { public: true }, schema: { summary: 'Prometheus metrics', hide: true } }, async (_request, reply) =>
      reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
    );
  };
}
