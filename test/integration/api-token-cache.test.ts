import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedTokenCache } from '../../api/token-cache.js';
import type { TokenClaims } from '../../domain/schemas/identity.js';
import { InvalidTokenError, signToken, verifyToken } from '../../lib/tokens.js';

/** The API's verified-token cache: a hit only for the exact token that verified, never past its exp or a minute. */
const config = { JWT_SECRET: 'a9f3c1e7b5d2-cache-test-4e8a6c0b2d9f1e3a5c7b', JWT_ISSUER: 'golden-test', JWT_AUDIENCE: 'golden-api' };
const claims: TokenClaims = { sub: 'reader', tenant: 'acme', role: 'observer' };

function counting() {
  const calls: string[] = [];
  return { calls, verifier: { verify: async (token: string) => (calls.push(token), verifyToken(config, token)) } };
}

describe('verified-token cache', () => {
  it('verifies a token once, then answers the same claims for the same exact token', async () => {
    const { calls, verifier } = counting();
    const cache = new VerifiedTokenCache(verifier);
    const token = await signToken(config, claims, 600);
    assert.deepEqual(await cache.verify(token), claims);
    assert.deepEqual(await cache.verify(token), claims);
    assert.equal(calls.length, 1);
    assert.ok(Object.isFrozen(await cache.verify(token)), 'shared claims cannot be changed by one request');
    // One character changed in the signature: a different key, so the full check, which refuses it.
    const forged = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    await assert.rejects(cache.verify(forged), InvalidTokenError);
    await assert.rejects(cache.verify(forged), InvalidTokenError);
    assert.equal(calls.length, 3, 'a refused token is checked in full every time');
  });

  it('checks again once the token has expired, and at least once a minute', async () => {
    const { calls, verifier } = counting();
    let now = Date.now();
    const cache = new VerifiedTokenCache(verifier, () => now);
    const short = await signToken(config, claims, 30);
    await cache.verify(short);
    now += 29_000;
    await cache.verify(short);
    assert.equal(calls.length, 1);
    now += 2_000;
    // Past exp (the real clock still accepts it: the verifier itself decides).
    await cache.verify(short);
    assert.equal(calls.length, 2, 'an entry is never used past the token exp');

    const long = await signToken(config, claims, 3600);
    await cache.verify(long);
    now += 61_000;
    await cache.verify(long);
    assert.equal(calls.filter((t) => t === long).length, 2, 'an entry lives a minute at most');
  });
});
