import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { secretWeakness } from '../../domain/identity-secrets.js';
import { ConfigError } from '../../lib/config.js';
import { JwksError, checkJwksUrl, fileKeySource, remoteKeySource } from '../../lib/jwks.js';
import { TokenVerifier, WeakSecretError, createTokenVerifier } from '../../lib/tokens.js';

const base = { JWT_ISSUER: 'golden-test', JWT_AUDIENCE: 'golden-api', JWT_JWKS_FILE: undefined, JWT_JWKS_URL: undefined, API_DEV_MODE: false };
const strong = 'f3c1e0a9b87d4c2e91a6d05b7e3f8c4a2d9b1e6f70c5a3d8';
const silent = { warn: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'golden-jwks-keys-'));

async function publicJwk(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<{ jwk: JWK; privateKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { jwk: { ...(await exportJWK(publicKey)), kid }, privateKey };
}

function jwksFile(name: string, document: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof document === 'string' ? document : JSON.stringify(document));
  return path;
}

const token = (alg: string, kid: string, key: CryptoKey) =>
  new SignJWT({ tenant: 'acme', role: 'observer' })
    .setProtectedHeader({ alg, kid })
    .setSubject('svc')
    .setIssuer(base.JWT_ISSUER)
    .setAudience(base.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);

describe('JWT secret and keys', () => {
  it('refuses weak secrets outside development mode, and accepts a random one', async () => {
    for (const weak of [undefined, 'short', 'secret'.repeat(6), 'changeme-changeme-changeme-changeme', 'a'.repeat(40), 'abababababababababababababababab', 'your-256-bit-secret-your-256-bit']) {
      assert.ok(secretWeakness(weak), `${weak} should be weak`);
      await assert.rejects(createTokenVerifier({ ...base, JWT_SECRET: weak as string }, silent), WeakSecretError);
    }
    assert.equal(secretWeakness(strong), undefined);
    assert.ok(await createTokenVerifier({ ...base, JWT_SECRET: strong }, silent));
    const warnings: object[] = [];
    assert.ok(await createTokenVerifier({ ...base, JWT_SECRET: 'secret'.repeat(6), API_DEV_MODE: true }, { warn: (o) => void warnings.push(o) }));
    assert.equal(warnings.length, 1, 'development mode warns');
  });

  it('refuses JWKS files with private keys, weak or unknown key types, missing or duplicate kids, or a clashing alg', async () => {
    const rsa = await publicJwk('RS256', 'rsa');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const cases: Array<[unknown, RegExp]> = [
      ['not json', /not JSON/],
      [{ nokeys: [] }, /"keys" array/],
      [{ keys: [{ ...rsa.jwk, kid: undefined }] }, /kid/],
      [{ keys: [rsa.jwk, rsa.jwk] }, /appears twice/],
      [{ keys: [{ ...(await exportJWK(privateKey)), kid: 'p' }] }, /private key/],
      [{ keys: [{ ...rsa.jwk, alg: 'HS256' }] }, /does not fit/],
      [{ keys: [{ ...rsa.jwk, use: 'enc' }] }, /"use"/],
      [{ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'sym' }] }, /private key|not accepted/],
      [{ keys: [{ kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA', kid: 'p384' }] }, /not accepted/],
      [{ keys: [{ kty: 'RSA', n: Buffer.alloc(128, 1).toString('base64url'), e: 'AQAB', kid: 'rsa1024' }] }, /2048 bits/],
    ];
    for (const [i, [document, error]] of cases.entries()) {
      await assert.rejects(fileKeySource(jwksFile(`bad-${i}.json`, document)), (err: unknown) => err instanceof JwksError && error.test(err.message), String(error));
    }
    await assert.rejects(fileKeySource(join(dir, 'missing.json')), /cannot read/);
    await assert.rejects(
      createTokenVerifier({ ...base, JWT_SECRET: strong, JWT_JWKS_FILE: jwksFile('private.json', { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 's' }] }) }, silent),
      (err: unknown) => err instanceof ConfigError && /JWT_JWKS_FILE: .*private key material/.test(err.message),
      'the API stops at start with a configuration error naming the variable',
    );
    await assert.rejects(createTokenVerifier({ ...base, JWT_SECRET: strong, JWT_JWKS_FILE: 'a', JWT_JWKS_URL: 'https://x.invalid/' }, silent), /both set/);
  });

  it('binds each key to its own algorithm', async () => {
    const keys = await Promise.all([publicJwk('RS256', 'r'), publicJwk('ES256', 'e'), publicJwk('EdDSA', 'd')]);
    const verifier = await createTokenVerifier({ ...base, JWT_SECRET: strong, JWT_JWKS_FILE: jwksFile('good.json', { keys: keys.map((k) => k.jwk) }) }, silent);
    for (const [i, alg] of (['RS256', 'ES256', 'EdDSA'] as const).entries()) {
      const { kid } = keys[i]!.jwk;
      assert.equal((await verifier.verify(await token(alg, kid!, keys[i]!.privateKey))).sub, 'svc');
    }
    await assert.rejects(verifier.verify(await token('PS256', 'r', (await generateKeyPair('PS256')).privateKey)), /RS256 only/);
    const accessToken = await new SignJWT({ tenant: 'acme', role: 'observer' })
      .setProtectedHeader({ alg: 'ES256', kid: 'e', typ: 'at+jwt' })
      .setSubject('svc')
      .setIssuer(base.JWT_ISSUER)
      .setAudience(base.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(keys[1]!.privateKey);
    assert.equal((await verifier.verify(accessToken)).sub, 'svc', 'an RFC 9068 access token (typ at+jwt) is a JWT too');
  });

  it('allows only https JWKS URLs, or http on loopback', () => {
    assert.throws(() => checkJwksUrl('http://idp.example.com/jwks'), JwksError);
    assert.throws(() => checkJwksUrl('file:///etc/passwd'), JwksError);
    assert.ok(checkJwksUrl('https://idp.example.com/.well-known/jwks.json'));
    assert.ok(checkJwksUrl('http://127.0.0.1:9999/jwks'));
  });

  describe('a JWKS URL', () => {
    let server: Server;
    let url: string;
    let fetches = 0;
    let served: JWK[] = [];
    before(async () => {
      server = createServer((_req, res) => {
        fetches += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: served }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    after(() => server.close());

    it('picks up a rotated key, and an unknown kid refetches at most once per cooldown', async () => {
      const first = await publicJwk('ES256', 'k1');
      const second = await publicJwk('ES256', 'k2');
      served = [first.jwk];
      const verifier = new TokenVerifier({ ...base, JWT_SECRET: strong }, remoteKeySource(url, { cooldownMs: 1_500 }));
      assert.equal((await verifier.verify(await token('ES256', 'k1', first.privateKey))).sub, 'svc');
      assert.equal(fetches, 1);
      const forged = await Promise.all(Array.from({ length: 20 }, (_, i) => token('ES256', `forged-${i}`, first.privateKey)));
      const started = performance.now();
      for (const t of forged) await assert.rejects(verifier.verify(t), /unknown "kid"/);
      assert.ok(performance.now() - started < 1_500, 'the forged kids were tried within one cooldown');
      assert.equal(fetches, 1, 'forged kids within the cooldown do not reach the identity provider');
      served = [first.jwk, second.jwk];
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      assert.equal((await verifier.verify(await token('ES256', 'k2', second.privateKey))).sub, 'svc');
      assert.equal(fetches, 2);
    });
  });
});
