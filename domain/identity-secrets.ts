/**
 * What makes an HS256 secret too weak to sign API tokens. Pure rules, so the
 * API's startup check and its tests share them; the attack tests sign tokens
 * with the same list to show such secrets never verify.
 */

/** Least bytes of an HS256 key (RFC 7518 §3.2: at least the hash size). */
export const MIN_SECRET_BYTES = 32;

/** Words of well-known example and default secrets (tutorials, framework defaults, leaked lists). */
export const WEAK_SECRET_WORDS = [
  'secret',
  'password',
  'passwd',
  'changeme',
  'change-me',
  'changethis',
  'your-256-bit-secret',
  'your-secret-key',
  'yoursecretkey',
  'jwt-secret',
  'jwtsecret',
  'supersecret',
  'mysecret',
  'secretkey',
  'shhhhh',
  'keyboard cat',
  'default',
  'example',
  'test',
  'qwerty',
  'letmein',
  'admin',
  'development',
  'golden',
  '123456',
] as const;

/** Literal secrets of 32 bytes or more that appear in public examples and weak-secret lists. */
export const KNOWN_WEAK_SECRETS = [
  'your-256-bit-secret-your-256-bit',
  'ThisIsMySecretKeyThatIsVeryLong123',
  'mysupersecretkeythatislongenough!',
  'secretsecretsecretsecretsecretsecret',
  '0123456789abcdef0123456789abcdef',
  '00000000000000000000000000000000',
  'abcdefghijklmnopqrstuvwxyz123456',
] as const;

/** Fewer distinct bytes than this means a pattern, not a random key. */
const MIN_DISTINCT_CHARACTERS = 10;

/** What is left after the known words, digits and punctuation are removed must still be this long. */
const MIN_RESIDUE = 16;

/** Why a secret is too weak for HS256, or undefined when it passes. */
export function secretWeakness(secret: string | undefined): string | undefined {
  if (secret === undefined || secret === '') return 'is missing';
  const bytes = new TextEncoder().encode(secret).length;
  if (bytes < MIN_SECRET_BYTES) return `is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required`;
  const lower = secret.toLowerCase();
  if (KNOWN_WEAK_SECRETS.some((known) => known.toLowerCase() === lower)) return 'is a publicly known example secret';
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS) return `uses fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters`;
  let residue = lower;
  for (const word of WEAK_SECRET_WORDS) residue = residue.split(word).join('');
  residue = residue.replace(/[^a-z]/g, '');
  if (residue.length < MIN_RESIDUE && /[a-z]/.test(lower) && residue.length < lower.replace(/[^a-z]/g, '').length) {
    return 'is made of common words (secret, password, changeme, …); generate one with `openssl rand -hex 32`';
  }
  return undefined;
}

/** Defaults of the token checks (JWT_CLOCK_SKEW_SECONDS, JWT_MAX_TOKEN_BYTES). */
export const TOKEN_DEFAULTS = {
  /** Tolerance for `exp`, `nbf` and `iat`: enough for NTP-synced clocks, too little to matter to an attacker. */
  clockSkewSeconds: 5,
  /** Our tokens are ~300 bytes and identity providers' a few KB; a larger one is refused before parsing. */
  maxTokenBytes: 8192,
} as const;
