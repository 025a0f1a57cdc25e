import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { roleHasPermission, type Permission } from '../domain/roles.js';
import type { TokenClaims } from '../domain/schemas/identity.js';
import { InvalidTokenError, verifyToken, type JwtConfig } from '../lib/tokens.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from '../lib/db.js';
import { writeAudit } from './audit.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; tenant and actor come only from here, never from a body. */
    identity?: TokenClaims;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) throw new UnauthorizedError('Authorization header must be "Bearer <jwt>"');
  return match[1];
}

/**
 * A pre-handler that verifies the token and checks one permission. Denials
 * are counted and written to the audit trail like any other decision.
 */
export function requirePermission(deps: { jwt: JwtConfig; metrics: Metrics; db: Db }, permission: Permission): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const deny = async (reason: string, role: string, error: Error) => {
      deps.metrics.rbacPermissionDenied.inc({ permission, role, reason });
      await writeAudit(deps.db, {
        tenantId: request.identity?.tenant,
        actor: request.identity?.sub,
        role: request.identity?.role,
        action: permission,
        resource: request.url,
        outcome: 'denied',
        requestId: request.id,
        detail: { reason },
      });
      throw error;
    };
    let token: string | undefined;
    try {
      token = bearer(request);
    } catch (err) {
      return deny('malformed_header', 'anonymous', err as Error);
    }
    if (!token) {
      return deny('missing_token', 'anonymous', new UnauthorizedError('missing bearer token: send "Authorization: Bearer <jwt>" (mint one with `golden token`)'));
    }
    try {
      request.identity = await verifyToken(deps.jwt, token);
    } catch (err) {
      if (err instanceof InvalidTokenError) return deny('invalid_token', 'anonymous', new UnauthorizedError(err.message));
      throw err;
    }
    request.log = request.log.child({ tenantId: request.identity.tenant, actor: request.identity.sub });
    if (!roleHasPermission(request.identity.role, permission)) {
      return deny('forbidden', request.identity.role, new ForbiddenError(`role ${request.identity.role} lacks permission ${permission}`));
    }
  };
}
