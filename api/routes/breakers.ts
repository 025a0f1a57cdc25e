import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BREAKER_STATES, isBreakerName } from '../../domain/circuit-breaker.js';
import { listBreakers, requestBreakerReset } from '../../lib/breaker-control.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { bearerAuth, ErrorBody } from './shared.js';

const BreakerName = z.string().refine(isBreakerName, 'must be postgres, redis, docker or llm:<provider>:<host>');

const BreakerRow = z
  .object({
    name: z.string(),
    process: z.string(),
    service: z.string(),
    state: z.enum(BREAKER_STATES),
    failures: z.number(),
    totalFailures: z.number(),
    totalSuccesses: z.number(),
    lastFailureAt: z.number().nullable(),
    lastFailureMessage: z.string().nullable(),
    openedAt: z.number().nullable(),
    reportedAt: z.number(),
    openSeconds: z.number(),
    stuck: z.boolean(),
  })
  .meta({ id: 'CircuitBreaker' });

const BreakerList = z
  .object({
    processes: z.array(z.object({ process: z.string(), service: z.string(), reportedAt: z.number() })),
    breakers: z.array(BreakerRow),
  })
  .meta({ id: 'CircuitBreakerList' });

const ResetResult = z.object({ name: z.string(), processes: z.number() }).meta({ id: 'CircuitBreakerReset' });

/** Breakers are the deployment's, not a tenant's: the routes serve operators (breaker:read, breaker:reset). */
export function breakerRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const prefix = deps.config.TEMPORAL_TASK_QUEUE_PREFIX;
  return async (app) => {
    app.get(
      '/breakers',
      {
        config: { permission: 'breaker:read' },
        schema: {
          summary: 'Every running process and the state of its circuit breakers',
          description:
            'One row per process and breaker, from the reports each worker and API process writes every 5 s. `stuck` marks a breaker OPEN for more than 5 minutes on a critical dependency (the CircuitBreakerStuckOpen alert).',
          security: bearerAuth,
          response: { 200: BreakerList, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async () => listBreakers(deps.redis, prefix),
    );

    app.post(
      '/breakers/:name/reset',
      {
        config: { permission: 'breaker:reset' },
        schema: {
          summary: 'Close a circuit breaker in every process now (the runbook\'s manual reset)',
          description: 'Published to every process of the deployment; the answer says how many were listening. A process without that breaker ignores it.',
          security: bearerAuth,
          params: z.object({ name: BreakerName }),
          response: { 200: ResetResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const identity = request.identity!;
        const { name } = request.params;
        const processes = await requestBreakerReset(deps.redis, prefix, name, identity.sub);
        await writeAudit(deps.db, {
          tenantId: identity.tenant,
          actor: identity.sub,
          role: identity.role,
          action: 'breaker:reset',
          resource: `breaker/${name}`,
          outcome: 'allowed',
          requestId: request.id,
          sourceAddress: request.ip,
          detail: { processes },
        });
        return { name, processes };
      },
    );
  };
}
