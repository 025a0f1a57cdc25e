import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from './context.js';
import { registerErrorHandler } from './error-handler.js';
import { budgetRoutes } from './routes/budgets.js';
import { healthRoutes } from './routes/health.js';
import { taskRoutes } from './routes/tasks.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** The API as a plugin-free app object: the server listens on it, tests inject into it. */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // A caller's request id is kept (so one id follows a call through logs) only if it is harmless.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Golden Architecture API', version: '0.1.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(healthRoutes(deps));
  await app.register(taskRoutes(deps));
  await app.register(budgetRoutes(deps));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
