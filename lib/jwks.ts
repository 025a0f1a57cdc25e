import { readFile } from 'node:fs/promises';
import { importJWK, type CryptoKey, type JWK } from 'jose';

/** Asymmetric algorithms the API accepts; each key is bound to exactly one of them. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** A public key and the one algorithm it may verify, found by its `kid`. */
export interface VerificationKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  key: CryptoKey;
}

/** Where verification keys come from: a lookup by `kid`, never a path, URL or query built from it. */
export interface KeySource {
  get(kid: string): Promise<VerificationKey | undefined>;
}

/** A JWKS that cannot be used; names the source and the key. */
export class JwksError extends Error {
  override readonly name = 'JwksError';
}

const MAX_KID_LENGTH = 256;
const MIN_RSA_BITS = 2048;
/** A JWKS document is a handful of public keys; anything larger is refused unread. */
const MAX_JWKS_BYTES = 256 * 1024;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

function rsaBits(n: unknown): number {
  return typeof n === 'string' ? Math.floor((n.replace(/=+$/, '').length * 6) / 8) * 8 : 0;
}

/** The single algorithm a key may verify, from its type and curve; a declared `alg` must agree. */
export function algorithmFor(jwk: JWK, where: string): AsymmetricAlgorithm {
  let alg: AsymmetricAlgorithm;
  if (jwk.kty === 'RSA') {
    if (rsaBits(jwk.n) < MIN_RSA_BITS) throw new JwksError(`${where}: RSA keys must have at least ${MIN_RSA_BITS} bits`);
    alg = 'RS256';
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    alg = 'ES256';
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    alg = 'EdDSA';
  } else {
    throw new JwksError(`${where}: key type ${String(jwk.kty)}${jwk.crv ? `/${jwk.crv}` : ''} is not accepted (RSA, EC P-256 or OKP Ed25519)`);
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new JwksError(`${where}: "alg" ${jwk.alg} does not fit a ${jwk.kty} key (expected ${alg})`);
  return alg;
}

/** Parses a JWKS document into keys by `kid`; refuses private keys, unnamed keys and duplicates. */
export async function parseJwks(document: unknown, source: string): Promise<Map<string, VerificationKey>> {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new JwksError(`${source}: a JWKS must be a JSON object with a "keys" array`);
  const table = new Map<string, VerificationKey>();
  for (const [index, raw] of keys.entries()) {
    const jwk = raw as JWK;
    const where = `${source} key #${index}`;
    if (typeof jwk !== 'object' || jwk === null) throw new JwksError(`${where}: not a JSON object`);
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > MAX_KID_LENGTH) {
      throw new JwksError(`${where}: every key needs a "kid" of 1 to ${MAX_KID_LENGTH} characters`);
    }
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new JwksError(`${where} (${jwk.kid}): holds private key material; publish public keys only`);
    if (jwk.use !== undefined && jwk.use !== 'sig') throw new JwksError(`${where} (${jwk.kid}): "use" must be "sig"`);
    if (table.has(jwk.kid)) throw new JwksError(`${where}: kid ${jwk.kid} appears twice`);
    const alg = algorithmFor(jwk, `${where} (${jwk.kid})`);
    let key: CryptoKey;
    try {
      key = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey;
    } catch (err) {
      throw new JwksError(`${where} (${jwk.kid}): cannot import: ${(err as Error).message}`);
    }
    table.set(jwk.kid, { kid: jwk.kid, alg, key });
  }
  return table;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new JwksError(`${source}: not JSON (${(err as Error).message})`);
  }
}

/** Keys read once from a file at startup: a broken file stops the API instead of locking everyone out later. */
export async function fileKeySource(path: string): Promise<KeySource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new JwksError(`JWT_JWKS_FILE ${path}: cannot read (${(err as Error).message})`);
  }
  if (text.length > MAX_JWKS_BYTES) throw new JwksError(`JWT_JWKS_FILE ${path}: larger than ${MAX_JWKS_BYTES} bytes`);
  const table = await parseJwks(parseJson(text, `JWT_JWKS_FILE ${path}`), `JWT_JWKS_FILE ${path}`);
  return { get: async (kid) => table.get(kid) };
}

export interface RemoteJwksOptions {
  /** Keys are fetched again after this long, so rotated keys arrive. */
  maxAgeMs?: number;
  /** An unknown kid triggers a refetch at most this often, so forged kids cannot make us hammer the issuer. */
  cooldownMs?: number;
  timeoutMs?: number;
  onError?: (err: Error) => void;
}

/** The JWKS URL must be https, or plain http only on loopback (a local identity provider in tests). */
export function checkJwksUrl(url: string): URL {
  const parsed = new URL(url);
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new JwksError(`JWT_JWKS_URL ${url}: must be https (plain http only on loopback)`);
  }
  return parsed;
}

/**
 * Keys fetched from the identity provider's JWKS URL (the only URL ever
 * fetched: a token's `jku` or `x5u` is refused, never followed). A failed
 * fetch keeps the last good keys.
 */
export function remoteKeySource(url: string, opts: RemoteJwksOptions = {}): KeySource {
  const target = checkJwksUrl(url);
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const cooldownMs = opts.cooldownMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let table = new Map<string, VerificationKey>();
  let fetchedAt = -Infinity;
  let attemptedAt = -Infinity;
  let inflight: Promise<void> | undefined;

  const refresh = async () => {
    attemptedAt = performance.now();
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
      if (!response.ok) throw new JwksError(`JWT_JWKS_URL ${url}: answered ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new JwksError(`JWT_JWKS_URL ${url}: larger than ${MAX_JWKS_BYTES} bytes`);
      table = await parseJwks(parseJson(text, `JWT_JWKS_URL ${url}`), `JWT_JWKS_URL ${url}`);
      fetchedAt = performance.now();
    } catch (err) {
      opts.onError?.(err as Error);
    }
  };
  const refreshOnce = () => (inflight ??= refresh().finally(() => (inflight = undefined)));

  return {
    async get(kid) {
      const now = performance.now();
      const due = now - attemptedAt > cooldownMs;
      if (due && (now - fetchedAt > maxAgeMs || !table.has(kid))) await refreshOnce();
      return table.get(kid);
    },
  };
}

/** No asymmetric keys configured: every `kid` is unknown. */
export const NO_KEYS: KeySource = { get: async () => undefined };
