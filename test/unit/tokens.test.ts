import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { InvalidTokenError, signToken, verifyToken } from '../../lib/tokens.js';

const config = { JWT_SECRET: 's'.repeat(40), JWT_ISSUER: 'golden-test', JWT_AUDIENCE: 'golden-api' };
const claims = { sub: 'alice', tenant: 'acme', role: 'developer' as const };

async function rejectsWith(token: string, reason: RegExp) {
  await assert.rejects(verifyToken(config, token), (err: unknown) => err instanceof InvalidTokenError && reason.test(err.reason));
}

describe('API tokens', () => {
  it('round-trips the claims', async () => {
    assert.deepEqual(await verifyToken(config, await signToken(config, claims, 60)), claims);
  });

  it('refuses expired tokens', async () => {
    await rejectsWith(await signToken(config, claims, -10), /expired/);
  });

  it('refuses another issuer, another audience or another key', async () => {
    await rejectsWith(await signToken({ ...config, JWT_ISSUER: 'elsewhere' }, claims, 60), /"iss"/);
    await rejectsWith(await signToken({ ...config, JWT_AUDIENCE: 'other-api' }, claims, 60), /"aud"/);
    await rejectsWith(await signToken({ ...config, JWT_SECRET: 'k'.repeat(40) }, claims, 60), /signature/);
  });

  it('refuses unsigned and wrong-algorithm tokens', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, exp: 4e9 })).toString('base64url')}.`;
    await rejectsWith(none, /signature or format/);
    const hs512 = await new SignJWT({ tenant: 'acme', role: 'admin' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('x')
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(config.JWT_SECRET));
    await rejectsWith(hs512, /signature or format/);
  });

  it('refuses well-signed tokens whose claims are not ours', async () => {
    await rejectsWith(await signToken(config, { ...claims, role: 'root' as never }, 60), /role/);
    await rejectsWith(await signToken(config, { ...claims, tenant: 'Not A Tenant' }, 60), /tenant/);
  });
});
