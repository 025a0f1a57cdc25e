import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { TokenClaims } from '../domain/schemas/identity.js';
import { describeZodError } from '../domain/validation.js';
import type { Config } from './config.js';

export type JwtConfig = Pick<Config, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>;

/** Thrown when a bearer token is missing, malformed, expired or signed by someone else; `reason` is safe to show. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
  }
}

const ALGORITHM = 'HS256';

function key(config: JwtConfig): Uint8Array {
  return new TextEncoder().encode(config.JWT_SECRET);
}

export async function signToken(config: JwtConfig, claims: TokenClaims, ttlSeconds: number): Promise<string> {
  return new SignJWT({ tenant: claims.tenant, role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(config));
}

/** Verifies signature, algorithm, issuer, audience and expiry, then the claims' shape. */
export async function verifyToken(config: JwtConfig, token: string): Promise<TokenClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key(config), {
      algorithms: [ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError('token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidTokenError(`claim "${err.claim}" is not valid: ${err.reason}`);
    if (err instanceof joseErrors.JOSEError) throw new InvalidTokenError('signature or format is not valid');
    throw err;
  }
  const claims = TokenClaims.safeParse(payload);
  if (!claims.success) throw new InvalidTokenError(describeZodError(claims.error));
  return claims.data;
}
