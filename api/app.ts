import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Permission } from '../domain/roles.js';
import { createTokenVerifier } from '../lib/tokens.js';
import type { Tracing } from '../lib/tracing.js';
import { traceRequests } from '../lib/tracing-http.js';
import { registerAuth } from './auth.js';
import type { ApiDeps } from './context.js';
import { registerErrorHandler, sendProblem } from './error-handler.js';
import { documentProblemMediaType } from './openapi-problem.js';
import { auditRoutes } from './routes/audit.js';
import { breakerRoutes } from './routes/breakers.js';
import { budgetRoutes } from './routes/budgets.js';
import { codecRoutes } from './routes/codec.js';
import { registerConsole } from './routes/console-static.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { escalationRoutes } from './routes/escalations.js';
import { healthRoutes } from './routes/health.js';
import { promptRoutes } from './routes/prompts.js';
import { InvalidRequestError } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import { guardSlowBodies } from './slow-body-guard.js';
import { findUnstorableText } from './storable-text.js';
import { VerifiedTokenCache } from './token-cache.js';
import { ErrorBody } from './routes/shared.js';
import { taskControlRoutes } from './routes/task-control.js';
import { taskRoutes } from './routes/tasks.js';

/** The longest a client may take to send a whole request, headers and body. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** One row of the route table: what a route needs. Tests build the RBAC matrix from it. */
export interface RouteEntry {
  method: string;
  url: string;
  permission?: Permission;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Where the interactive API docs live: Swagger UI, its files served from the npm package (no CDN). */
export const DOCS_PREFIX = '/docs';

/**
 * Records every route with what it needs, and refuses one that declares
 * neither a permission nor `public`: a route cannot be added unprotected by
 * forgetting to protect it.
 */
export function declareRouteTable(app: FastifyInstance): RouteEntry[] {
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    // The docs plugin (the only one under this prefix) adds its page, its files and a copy of the document: public like /openapi.json.
    if (route.prefix === DOCS_PREFIX && !route.config?.permission) route.config = { ...route.config, public: true };
    const { permission, public: isPublic = false } = route.config ?? {};
    for (const method of [route.method].flat()) {
      if (!permission && !isPublic) throw new Error(`route ${method} ${route.url} declares no permission: add config: { permission } (or public: true for probes)`);
      routeTable.push({ method, url: route.url, permission, public: isPublic });
    }
    if (permission) documentProblemAnswers(route.schema);
  });
  return routeTable;
}

/**
 * Longest path parameter the router matches. Every id the API takes is far
 * shorter and is refused by its zod schema with a 400 naming the field; only
 * beyond this does the router itself answer 414 (documented on every route with
 * path parameters), so no parameter of any length reaches a handler unchecked.
 */
export const MAX_PATH_PARAM_LENGTH = 1024;

/**
 * Every protected route can answer 401, 403, 429 and 500, one with input 400
 * (with path parameters also 414, with a body 413 and 415), whatever its own
 * schema lists: they are added here, so the API document shows every answer a
 * client can get.
 */
function documentProblemAnswers(schema: { response?: unknown; body?: unknown; querystring?: unknown; params?: unknown } | undefined): void {
  if (!schema) return;
  const response = (schema.response ??= {}) as Record<string, unknown>;
  const statuses = [401, 403, 429, 500];
  if (schema.body || schema.querystring || schema.params) statuses.push(400);
  if (schema.params) statuses.push(414);
  if (schema.body) statuses.push(413, 415);
  for (const status of statuses) response[status] ??= ErrorBody;
}

/** API_TRUST_PROXY as Fastify takes it: no proxy, a hop count, or a list of proxy addresses/CIDRs. */
function trustProxySetting(value: string): FastifyServerOptions['trustProxy'] {
  if (value === '') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address: string, hop: number) => hop < hops;
  }
  return value.split(',').map((p) => p.trim());
}

/**
 * The API as a plugin-free app object: the server listens on it, tests inject
 * into it. Refuses to build with a weak JWT secret (outside API_DEV_MODE), a
 * broken JWKS file, or a route that declares neither a permission nor `public`.
 */
export async function buildApp(deps: ApiDeps & { tracing?: Tracing }): Promise<FastifyInstance> {
  const verifier = await createTokenVerifier(deps.config, deps.logger);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Fastify turns Node's request time-out off by default; on for headers, guardSlowBodies covers bodies.
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // The router's own refusals (a path parameter over the limit, a malformed URL) are problems like every other error.
    frameworkErrors: (error, request, reply) => {
      // Answered before any route's hooks run, so the request id header is set here.
      reply.header('x-request-id', request.id);
      void sendProblem(request, reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri_too_long' : 'invalid_request', error.message);
    },
    trustProxy: trustProxySetting(deps.config.API_TRUST_PROXY),
    // A caller's request id is kept (so one id follows a call through logs) only if it is harmless.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // First hook of all: everything a request does, its own refusals included, happens inside its span.
  if (deps.tracing) traceRequests(app, deps.tracing.tracer);
  registerErrorHandler(app);
  guardSlowBodies(app, REQUEST_TIMEOUT_MS);

  declareRouteTable(app);
  registerAuth(app, {
    verifier: new VerifiedTokenCache(verifier),
    metrics: deps.metrics,
    db: deps.db,
    rateLimiter: new RateLimiter({
      redis: deps.redis,
      metrics: deps.metrics,
      logger: deps.logger,
      keyPrefix: deps.rateLimitKeyPrefix,
      scale: deps.config.API_RATE_LIMIT_SCALE,
    }),
  });

  // After authentication, before validation: text Postgres cannot store is refused on every route alike.
  app.addHook('preValidation', async (request) => {
    const found = findUnstorableText(request.body, 'body') ?? findUnstorableText(request.query, 'querystring');
    if (found) throw new InvalidRequestError([found]);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerConsole(app, deps.config);
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
    transformObject: (input) => documentProblemMediaType(jsonSchemaTransformObject(input)),
  });
  await app.register(healthRoutes(deps));
  await app.register(taskRoutes(deps));
  await app.register(taskControlRoutes(deps));
  await app.register(escalationRoutes(deps));
  await app.register(deadLetterRoutes(deps));
  await app.register(budgetRoutes(deps));
  await app.register(breakerRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(promptRoutes(deps));
  await app.register(codecRoutes(deps));
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true, persistAuthorization: false } });
  return app;
}
