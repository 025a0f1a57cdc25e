import type { TokenClaims } from '../domain/schemas/identity.js';
import { ApiError } from './errors.js';

/**
 * A caller reached for another tenant's object. Answered exactly like a
 * missing object (or, for a create with a taken id, like any clash), so the
 * answer reveals nothing; the auth layer's error hook writes the attempt to
 * the audit trail as `denied` with reason `other_tenant`.
 */
export class OtherTenantError extends ApiError {
  override readonly name = 'OtherTenantError';
  constructor(
    code: 'not_found' | 'conflict',
    message: string,
    /** What was reached for, e.g. `task/<id>`, for the audit trail. */
    readonly resource: string,
  ) {
    super(code, message);
  }
}

/** Every read and write is scoped to the token's tenant; another tenant's name answers 404. */
export function requireOwnTenant(identity: TokenClaims, tenant: string, resource: string, notFound: string): void {
  if (identity.tenant !== tenant) throw new OtherTenantError('not_found', notFound, resource);
}
