import { z } from 'zod';
import type { Permission } from '../../domain/roles.js';
import { requirePermission } from '../auth.js';
import type { ApiDeps } from '../context.js';

/**
 * The body of every error answer. Defined once: its OpenAPI id ('Error')
 * lives in zod's global registry, which refuses the same id twice.
 */
export const ErrorBody = z.object({ error: z.string(), message: z.string(), requestId: z.string().optional() }).meta({ id: 'Error' });

export const bearerAuth = [{ bearerAuth: [] }];

/** Pre-handlers for one route file: each verifies the token, checks one permission and audits a denial. */
export function permissionGuard(deps: Pick<ApiDeps, 'config' | 'metrics' | 'db'>): (permission: Permission) => ReturnType<typeof requirePermission> {
  return (permission) => requirePermission({ jwt: deps.config, metrics: deps.metrics, db: deps.db }, permission);
}
