import { SignJWT, decodeProtectedHeader, jwtVerify, errors as joseErrors, type CryptoKey, type ProtectedHeaderParameters } from 'jose';
import { TOKEN_DEFAULTS, secretWeakness } from '../domain/identity-secrets.js';
import { TokenClaims } from '../domain/schemas/identity.js';
import { describeZodError } from '../domain/validation.js';
import { ConfigError, type Config } from './config.js';
import { JwksError, NO_KEYS, fileKeySource, remoteKeySource, type KeySource } from './jwks.js';

export type JwtConfig = Pick<Config, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'> & Partial<Pick<Config, 'JWT_CLOCK_SKEW_SECONDS' | 'JWT_MAX_TOKEN_BYTES'>>;

/** Thrown when a bearer token is missing, malformed, expired or signed by someone else; `reason` is safe to show. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
  }
}

/** The API refuses to start with this secret: a configuration error (exit 2, no stack) naming the variable and the reason. */
export class WeakSecretError extends ConfigError {
  constructor(reason: string) {
    super([{ variable: 'JWT_SECRET', message: `${reason}; the API refuses to start with it (set API_DEV_MODE=true only on a development machine)` }]);
  }
}

/** The symmetric key signs and verifies with exactly this algorithm and carries no `kid`. */
const SECRET_ALGORITHM = 'HS256';

/**
 * Header parameters a token may carry. Everything else is refused, in
 * particular `jwk`, `jku`, `x5u` and `x5c` (keys chosen by the token itself)
 * and `crit` (extensions we do not implement). `x5t` is a thumbprint some
 * identity providers always send; it is ignored.
 */
const ALLOWED_HEADER = new Set(['alg', 'typ', 'kid', 'x5t', 'x5t#S256']);
/** A plain JWT, or an OAuth 2.0 access token (RFC 9068), which identity providers may send for APIs. */
const ACCEPTED_TYP = new Set(['jwt', 'application/jwt', 'at+jwt', 'application/at+jwt']);
const MAX_KID_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const formatError = (detail: string) => new InvalidTokenError(`signature or format is not valid: ${detail}`);

function secretKey(config: Pick<Config, 'JWT_SECRET'>): Uint8Array {
  return new TextEncoder().encode(config.JWT_SECRET);
}

export async function signToken(config: JwtConfig, claims: TokenClaims, ttlSeconds: number): Promise<string> {
  return new SignJWT({ tenant: claims.tenant, role: claims.role })
    .setProtectedHeader({ alg: SECRET_ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(secretKey(config));
}

function checkHeader(token: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw formatError('the header is not base64url JSON');
  }
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER.has(name)) throw formatError(`header parameter "${name}" is not accepted`);
  }
  if (header.typ !== undefined && (typeof header.typ !== 'string' || !ACCEPTED_TYP.has(header.typ.toLowerCase()))) {
    throw formatError(`"typ" ${JSON.stringify(header.typ)} is not accepted (JWT or at+jwt only)`);
  }
  if (typeof header.alg !== 'string') throw formatError('"alg" is missing');
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > MAX_KID_LENGTH)) {
    throw formatError(`"kid" must be a string of 1 to ${MAX_KID_LENGTH} characters`);
  }
  return header;
}

/**
 * Verifies bearer tokens. The key is chosen by the API, never by the token:
 * no `kid` means the HS256 secret, a `kid` is looked up in the configured
 * JWKS, and each key verifies only its own algorithm (so an RSA public key
 * can never serve as an HMAC secret). Then issuer, audience, `exp` (required),
 * `nbf` and `iat` (required, not in the future) with a small clock skew, and
 * finally the claims' shape.
 */
export class TokenVerifier {
  private readonly secret: Uint8Array;
  private readonly skew: number;
  private readonly maxBytes: number;

  constructor(
    private readonly config: JwtConfig,
    private readonly keys: KeySource = NO_KEYS,
  ) {
    this.secret = secretKey(config);
    this.skew = config.JWT_CLOCK_SKEW_SECONDS ?? TOKEN_DEFAULTS.clockSkewSeconds;
    this.maxBytes = config.JWT_MAX_TOKEN_BYTES ?? TOKEN_DEFAULTS.maxTokenBytes;
  }

  async verify(token: string): Promise<TokenClaims> {
    if (token.length > this.maxBytes) throw new InvalidTokenError(`token is larger than ${this.maxBytes} bytes`);
    if (!COMPACT_JWS.test(token)) throw formatError('not a signed JWT (header.payload.signature)');
    const header = checkHeader(token);
    let key: Uint8Array | CryptoKey;
    if (header.kid === undefined) {
      if (header.alg !== SECRET_ALGORITHM) throw formatError(`algorithm "${header.alg}" is not accepted without a "kid"`);
      key = this.secret;
    } else {
      const found = await this.keys.get(header.kid);
      if (!found) throw formatError('unknown "kid"');
      if (header.alg !== found.alg) throw formatError(`algorithm "${header.alg}" is not accepted for this key (${found.alg} only)`);
      key = found.key;
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [header.alg],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: this.skew,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError('token has expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        const why = err.reason === 'missing' ? 'missing' : err.claim === 'nbf' ? 'not valid yet' : 'not the one this API accepts';
        throw new InvalidTokenError(`claim "${err.claim}" is not valid: ${why}`);
      }
      if (err instanceof joseErrors.JOSEError) throw formatError('the signature does not verify');
      throw err;
    }
    // jose checks `iat` against the clock only with a maximum token age; a token from the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.skew) {
      throw new InvalidTokenError('claim "iat" is not valid: issued in the future');
    }
    const claims = TokenClaims.safeParse({ sub: payload.sub, tenant: payload.tenant, role: payload.role });
    if (!claims.success) throw new InvalidTokenError(describeZodError(claims.error));
    return claims.data;
  }
}

/** One-off verification with the HS256 secret alone (tools and tests); the API keeps one TokenVerifier. */
export async function verifyToken(config: JwtConfig, token: string): Promise<TokenClaims> {
  return new TokenVerifier(config).verify(token);
}

export type VerifierConfig = JwtConfig & Pick<Config, 'JWT_JWKS_FILE' | 'JWT_JWKS_URL' | 'API_DEV_MODE'>;

/**
 * The API's verifier: refuses a weak secret outside development mode and
 * loads the configured public keys (a file is read now, so a broken one stops
 * the start; a URL is fetched on first use and refreshed).
 */
export async function createTokenVerifier(
  config: VerifierConfig,
  log: { warn(obj: object, msg: string): void },
): Promise<TokenVerifier> {
  const weakness = secretWeakness(config.JWT_SECRET);
  if (weakness) {
    if (!config.API_DEV_MODE) throw new WeakSecretError(weakness);
    log.warn({ weakness }, 'JWT_SECRET is weak; accepted only because API_DEV_MODE is on');
  }
  if (config.JWT_JWKS_FILE && config.JWT_JWKS_URL) {
    throw new ConfigError([{ variable: 'JWT_JWKS_FILE', message: 'and JWT_JWKS_URL are both set; choose one' }]);
  }
  let keys: KeySource = NO_KEYS;
  if (config.JWT_JWKS_FILE) {
    try {
      keys = await fileKeySource(config.JWT_JWKS_FILE);
    } catch (err) {
      if (err instanceof JwksError) throw new ConfigError([{ variable: 'JWT_JWKS_FILE', message: err.message }]);
      throw err;
    }
  }
  else if (config.JWT_JWKS_URL) keys = remoteKeySource(config.JWT_JWKS_URL, { onError: (err) => log.warn({ err }, 'JWKS fetch failed; keeping the last good keys') });
  return new TokenVerifier(config, keys);
}
