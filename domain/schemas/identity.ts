import { z } from 'zod';
import { USER_ROLES } from '../roles.js';
import { TenantId } from './task.js';

/** Claims the API requires in every bearer token, beyond signature, issuer, audience and expiry. */
export const TokenClaims = z.object({
  sub: z.string().min(1, 'must name the actor').max(200),
  tenant: TenantId,
  role: z.enum(USER_ROLES),
});
export type TokenClaims = z.infer<typeof TokenClaims>;
