import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANONYMOUS, roleHasPermission, type CallerRole, type Permission } from '../domain/roles.js';
import type { TokenClaims } from '../domain/schemas/identity.js';
import type { Db } from '../lib/db.js';
import type { Metrics } from '../lib/metrics.js';
import { InvalidTokenError } from '../lib/tokens.js';
import { writeAudit } from './audit.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';
import type { RateLimiter } from './rate-limit.js';
import type { Verifier } from './token-cache.js';
import { OtherTenantError } from './tenant.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; tenant and actor come only from here, never from a body. */
    identity?: TokenClaims;
  }
  interface FastifyContextConfig {
    /** The one permission a route needs. Every route declares this or `public`; the app refuses others. */
    permission?: Permission;
    /** Health, readiness, metrics and the API document: no token, no rate limit. */
    public?: boolean;
  }
}

export interface AuthDeps {
  verifier: Verifier;
  metrics: Metrics;
  db: Db;
  rateLimiter: RateLimiter;
}

type Authenticated = { identity: TokenClaims } | { error: UnauthorizedError; reason: string };

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  if (!match) throw new UnauthorizedError('Authorization header must be "Bearer <jwt>"');
  return match[1];
}

async function authenticate(verifier: Verifier, request: FastifyRequest): Promise<Authenticated> {
  let token: string | undefined;
  try {
    token = bearer(request);
  } catch (err) {
    return { error: err as UnauthorizedError, reason: 'malformed_header' };
  }
  if (!token) {
    return { error: new UnauthorizedError('missing bearer token: send "Authorization: Bearer <jwt>" (mint one with `golden token`)'), reason: 'missing_token' };
  }
  try {
    return { identity: await verifier.verify(token) };
  } catch (err) {
    if (err instanceof InvalidTokenError) return { error: new UnauthorizedError(err.message), reason: 'invalid_token' };
    throw err;
  }
}

/**
 * Every request to a protected route, in this order: authenticate (a bad
 * token is remembered, not yet answered), rate-limit per subject (per source
 * address without a valid token, so forged tokens are limited too), answer
 * 401 for a bad token, then check the route's declared permission. Every
 * 401 and 403 is counted and written to the audit trail.
 */
export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.config;
    if (route.public) return;
    const permission = route.permission;
    const auth = permission ? await authenticate(deps.verifier, request) : undefined;
    const identity = auth && 'identity' in auth ? auth.identity : undefined;
    const role: CallerRole = identity?.role ?? ANONYMOUS;
    // Unknown routes are limited per address like anonymous callers, so scanning is limited too.
    await deps.rateLimiter.enforce(
      identity ? { kind: 'user', tenant: identity.tenant, sub: identity.sub, role: identity.role } : { kind: 'address', address: request.ip },
      reply,
    );
    if (!permission || !auth) return;

    const deny = async (reason: string, error: Error, detail: Record<string, unknown> = {}) => {
      deps.metrics.rbacPermissionDenied.inc({ permission, role, reason });
      await writeAudit(deps.db, {
        tenantId: identity?.tenant,
        actor: identity?.sub,
        role,
        action: permission,
        resource: request.url,
        outcome: 'denied',
        requestId: request.id,
        sourceAddress: request.ip,
        detail: { reason, ...detail },
      });
      throw error;
    };
    if ('error' in auth) return deny(auth.reason, auth.error, { why: auth.error.message });
    request.identity = auth.identity;
    request.log = request.log.child({ tenantId: auth.identity.tenant, actor: auth.identity.sub });
    if (!roleHasPermission(role, permission)) {
      return deny('forbidden', new ForbiddenError(`role ${role} lacks permission ${permission}`));
    }
  });

  // A reach for another tenant's object is answered like a missing one, and recorded here, once, for every route.
  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof OtherTenantError)) return;
    const identity = request.identity;
    const permission = request.routeOptions.config.permission ?? 'unknown';
    deps.metrics.rbacPermissionDenied.inc({ permission, role: identity?.role ?? ANONYMOUS, reason: 'other_tenant' });
    await writeAudit(deps.db, {
      tenantId: identity?.tenant,
      actor: identity?.sub,
      role: identity?.role,
      action: permission,
      resource: error.resource,
      outcome: 'denied',
      requestId: request.id,
      sourceAddress: request.ip,
      detail: { reason: 'other_tenant' },
    });
  });
}
