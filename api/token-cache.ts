import { decodeJwt } from 'jose';
import type { TokenClaims } from '../domain/schemas/identity.js';

export interface Verifier {
  verify(token: string): Promise<TokenClaims>;
}

/** Verified tokens kept; the oldest entry goes first when full (~1 KiB each at most with the default token cap). */
const MAX_ENTRIES = 10_000;
/** How long a verified token is taken on trust at most, so a key removed from the JWKS stops working within this. */
const MAX_AGE_MS = 60_000;

/**
 * Remembers tokens that verified, keyed by the exact token string: a client
 * sends the same bearer token with every request, and checking its
 * signature (WebCrypto HMAC or a public-key operation) is the largest CPU
 * cost of an authenticated read. An entry is used only until the token's own
 * `exp` (without the clock skew the full check allows) and at most
 * MAX_AGE_MS; a token that failed is never remembered, so every forged,
 * expired or not-yet-valid token gets the full check each time.
 */
export class VerifiedTokenCache implements Verifier {
  private readonly entries = new Map<string, { claims: TokenClaims; until: number }>();

  constructor(
    private readonly verifier: Verifier,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(token: string): Promise<TokenClaims> {
    const at = this.now();
    const hit = this.entries.get(token);
    if (hit) {
      if (hit.until > at) return hit.claims;
      this.entries.delete(token);
    }
    const claims = Object.freeze(await this.verifier.verify(token));
    // The verifier has required a numeric exp; read it back to bound the entry.
    const exp = decodeJwt(token).exp;
    const until = Math.min(typeof exp === 'number' ? exp * 1000 : at, at + MAX_AGE_MS);
    if (until > at) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(token, { claims, until });
    }
    return claims;
  }
}
