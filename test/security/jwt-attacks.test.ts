import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { KNOWN_WEAK_SECRETS, WEAK_SECRET_WORDS } from '../../domain/identity-secrets.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

/**
 * Forged and broken bearer tokens against the real API (real Postgres for the
 * audit trail, real Redis for rate limits). Each must be answered 401 and
 * leave a `denied` row in the audit trail under its request id. Valid tokens
 * for every configured key are checked first, so a 401 means the attack was
 * caught, not that the key setup is broken.
 */

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface KeyPair {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  pem: string;
}

async function keyPair(kid: string, alg: KeyPair['alg']): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' }, pem: await exportSPKI(publicKey) };
}

const jwksDir = mkdtempSync(join(tmpdir(), 'golden-jwks-'));
const jwksFile = join(jwksDir, 'jwks.json');
let rsa: KeyPair;
let ec: KeyPair;
let ed: KeyPair;
let config: ReturnType<typeof testConfig>;
let api: TestApi;
const tenant = uniqueId('jwt').toLowerCase();

/** The claims a good token carries; attacks start from these. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'mallory', tenant, role: 'admin', iss: config.JWT_ISSUER, aud: config.JWT_AUDIENCE, iat: now(), exp: now() + 600, ...overrides };
}

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}

/** A compact JWS signed with HMAC-SHA256 under any key bytes and any header: what an attacker can build. */
function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, key: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function sign(pair: KeyPair, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: pair.alg, kid: pair.kid, typ: 'JWT', ...header }).sign(pair.privateKey);
}

let address = 0;

/** Each call comes from its own address, so the anonymous rate limit (5 a minute per address) never answers instead of auth. */
async function call(token: string) {
  address += 1;
  const requestId = uniqueId('attack');
  const res = await api.app.inject({
    method: 'GET',
    url: `/tasks/${uniqueId('no-such-task')}`,
    headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId },
    remoteAddress: `10.66.${Math.floor(address / 250)}.${(address % 250) + 1}`,
  });
  return { res, requestId };
}

async function assertRefusedAndAudited(name: string, token: string, reason?: RegExp) {
  const { res, requestId } = await call(token);
  assert.equal(res.statusCode, 401, `${name}: answered ${res.statusCode} ${res.body}`);
  const body = res.json<{ detail?: string; message?: string }>();
  if (reason) assert.match(body.detail ?? body.message ?? '', reason, name);
  const { rows } = await api.db.query<{ outcome: string; action: string; reason: string; address: string }>(
    `SELECT outcome, action, detail->>'reason' AS reason, source_address AS address FROM audit_log WHERE request_id = $1`,
    [requestId],
  );
  assert.equal(rows.length, 1, `${name}: one audit row`);
  assert.deepEqual({ outcome: rows[0]!.outcome, action: rows[0]!.action }, { outcome: 'denied', action: 'task:read' }, name);
  assert.match(rows[0]!.reason, /^(invalid_token|malformed_header)$/, name);
  assert.match(rows[0]!.address, /^10\.66\./, name);
}

const attacks: Array<{ name: string; token: () => Promise<string>; reason?: RegExp }> = [];
const attack = (name: string, token: () => Promise<string> | string, reason?: RegExp) => attacks.push({ name, token: async () => token(), reason });

for (const alg of ['none', 'None', 'NONE', 'nOnE', 'NoNe', 'nONE']) {
  attack(`alg "${alg}" without a signature`, () => `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`, /algorithm/);
  attack(`alg "${alg}" with a signature`, () => `${b64({ alg })}.${b64(claims())}.${b64('x'.repeat(32))}`, /algorithm/);
}
attack('HS256 signed with the RSA public key (PEM) under its kid', () => hmacToken({ alg: 'HS256', kid: rsa.kid }, claims(), rsa.pem), /RS256 only/);
attack('HS256 signed with the RSA public key (PEM), no kid', () => hmacToken({ alg: 'HS256' }, claims(), rsa.pem), /signature/);
attack('HS256 signed with the RSA public key (JWK JSON)', () => hmacToken({ alg: 'HS256', kid: rsa.kid }, claims(), JSON.stringify(rsa.jwk)));
attack('HS256 signed with the EC public key (PEM) under its kid', () => hmacToken({ alg: 'HS256', kid: ec.kid }, claims(), ec.pem), /ES256 only/);
attack('HS256 signed with the Ed25519 public key (PEM) under its kid', () => hmacToken({ alg: 'HS256', kid: ed.kid }, claims(), ed.pem), /EdDSA only/);
attack('RS256 under the EC key\'s kid', async () => sign({ ...rsa, kid: ec.kid }, claims()), /ES256 only/);
attack('embedded jwk of the attacker\'s own key', async () => {
  const evil = await keyPair('evil', 'RS256');
  return sign(evil, claims(), { jwk: evil.jwk, kid: undefined });
}, /"jwk"/);
attack('embedded jwk plus a known kid', async () => {
  const evil = await keyPair(rsa.kid, 'RS256');
  return sign(evil, claims(), { jwk: evil.jwk });
}, /"jwk"/);
attack('jku pointing elsewhere', async () => {
  const evil = await keyPair('evil-jku', 'RS256');
  return sign(evil, claims(), { jku: 'https://attacker.invalid/jwks.json' });
}, /"jku"/);
attack('x5u pointing elsewhere', async () => {
  const evil = await keyPair('evil-x5u', 'RS256');
  return sign(evil, claims(), { x5u: 'https://attacker.invalid/cert.pem' });
}, /"x5u"/);
attack('x5c chain of the attacker', async () => {
  const evil = await keyPair('evil-x5c', 'RS256');
  return sign(evil, claims(), { x5c: [Buffer.from('not a certificate').toString('base64')] });
}, /"x5c"/);
attack('kid with path traversal to /dev/null, signed with an empty key', () => hmacToken({ alg: 'HS256', kid: '../../../../../../dev/null' }, claims(), Buffer.alloc(0)), /kid/);
attack('kid with path traversal to a readable file', () => hmacToken({ alg: 'HS256', kid: '/proc/self/environ' }, claims(), ''), /kid/);
attack('kid with SQL injection', () => hmacToken({ alg: 'HS256', kid: "x' UNION SELECT 'attacker-secret' --" }, claims(), 'attacker-secret'), /kid/);
attack('kid with SQL tautology', () => hmacToken({ alg: 'HS256', kid: "' OR '1'='1" }, claims(), 'attacker-secret'), /kid/);
attack('kid longer than any key id', () => hmacToken({ alg: 'HS256', kid: 'k'.repeat(5000) }, claims(), config.JWT_SECRET), /kid/);
attack('expired', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ iat: now() - 7200, exp: now() - 3600 }), config.JWT_SECRET), /expired/);
attack('nbf in the future', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ nbf: now() + 3600 }), config.JWT_SECRET), /"nbf"/);
attack('iat in the future', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ iat: now() + 3600 }), config.JWT_SECRET), /"iat"/);
attack('missing iat', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, withoutKey(claims(), 'iat'), config.JWT_SECRET), /"iat"/);
attack('wrong iss', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ iss: 'https://attacker.invalid' }), config.JWT_SECRET), /"iss"/);
attack('missing iss', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, withoutKey(claims(), 'iss'), config.JWT_SECRET), /"iss"/);
attack('wrong aud', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ aud: 'another-api' }), config.JWT_SECRET), /"aud"/);
attack('missing aud', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, withoutKey(claims(), 'aud'), config.JWT_SECRET), /"aud"/);
attack('missing exp', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, withoutKey(claims(), 'exp'), config.JWT_SECRET), /"exp"/);
attack('missing exp (RS256)', async () => sign(rsa, withoutKey(claims(), 'exp')), /"exp"/);
attack('unexpected typ', () => hmacToken({ alg: 'HS256', typ: 'dpop+jwt' }, claims(), config.JWT_SECRET), /typ/);
attack('typ of an encrypted token', () => hmacToken({ alg: 'HS256', typ: 'JWE' }, claims(), config.JWT_SECRET), /typ/);
attack('unknown crit', () => hmacToken({ alg: 'HS256', crit: ['urn:attacker:ignore-exp'], 'urn:attacker:ignore-exp': true }, claims(), config.JWT_SECRET), /"crit"/);
attack('crit b64=false (unencoded payload)', () => hmacToken({ alg: 'HS256', crit: ['b64'], b64: false }, claims(), config.JWT_SECRET), /"(crit|b64)"/);
attack('signature stripped', async () => (await sign(rsa, claims())).replace(/[^.]+$/, ''), /signature/);
attack('signature of another token', async () => {
  const [h, p] = (await sign(rsa, claims({ role: 'observer' }))).split('.');
  const [, , s] = (await sign(rsa, claims())).split('.');
  return `${h}.${p!.slice(0, -2)}${p!.slice(-2) === 'fQ' ? 'fX' : 'fQ'}.${s}`;
}, /signature/);
attack('payload changed after signing (role raised)', async () => {
  const [h, , s] = (await sign(rsa, claims({ role: 'observer' }))).split('.');
  return `${h}.${b64(claims({ role: 'admin' }))}.${s}`;
}, /signature/);
attack('truncated signature', async () => (await sign(ec, claims())).slice(0, -10), /signature/);
attack('truncated to two parts', async () => (await sign(ec, claims())).split('.').slice(0, 2).join('.'), /format|signed JWT/);
attack('header that is not JSON', () => `${b64('{"alg":"HS256"')}.${b64(claims())}.${b64('sig')}`, /header/);
attack('oversized token', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ padding: 'A'.repeat(20_000) }), config.JWT_SECRET), /larger than/);
for (const secret of [...WEAK_SECRET_WORDS.slice(0, 8), ...KNOWN_WEAK_SECRETS.slice(0, 3)]) {
  attack(`signed with the weak secret "${secret}"`, () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims(), secret), /signature/);
}
attack('ES256 with r = s = 0', () => `${b64({ alg: 'ES256', kid: ec.kid, typ: 'JWT' })}.${b64(claims())}.${Buffer.alloc(64).toString('base64url')}`, /signature/);
attack('ES256 with r = s = n (the curve order)', () => {
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  return `${b64({ alg: 'ES256', kid: ec.kid })}.${b64(claims())}.${Buffer.concat([n, n]).toString('base64url')}`;
}, /signature/);
attack('HS512 with the real secret', () => {
  const input = `${b64({ alg: 'HS512' })}.${b64(claims())}`;
  return `${input}.${createHmac('sha512', config.JWT_SECRET).update(input).digest('base64url')}`;
}, /algorithm/);
attack('unknown kid', async () => sign({ ...rsa, kid: 'rotated-away' }, claims()), /kid/);
attack('role that is not a user role (an agent role)', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ role: 'tester' }), config.JWT_SECRET), /role/);
attack('tenant that is not a tenant id', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ tenant: '../other' }), config.JWT_SECRET), /tenant/);

describe('JWT attacks against the running API', () => {
  before(async () => {
    [rsa, ec, ed] = await Promise.all([keyPair('rsa-1', 'RS256'), keyPair('ec-1', 'ES256'), keyPair('ed-1', 'EdDSA')]);
    writeFileSync(jwksFile, JSON.stringify({ keys: [rsa.jwk, ec.jwk, ed.jwk] }));
    config = testConfig({ JWT_JWKS_FILE: jwksFile });
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    api = await createTestApi(config);
  });
  after(async () => {
    await api?.close();
  });

  it('accepts a good token from every configured key (so a 401 below is the attack being caught)', async () => {
    const good = [
      await api.token('observer', tenant),
      await sign(rsa, claims({ role: 'observer' })),
      await sign(ec, claims({ role: 'observer' })),
      await sign(ed, claims({ role: 'observer' })),
    ];
    for (const token of good) {
      const { res } = await call(token);
      assert.equal(res.statusCode, 404, res.body);
    }
  });

  it(`refuses every one of ${attacks.length} forged or broken tokens with 401 and audits each`, async () => {
    assert.ok(attacks.length >= 18);
    for (const { name, token, reason } of attacks) await assertRefusedAndAudited(name, await token(), reason);
  });

  it('refuses malformed Authorization headers and counts every refusal', async () => {
    for (const header of ['Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b', 'Bearer \u0000']) {
      address += 1;
      const res = await api.app.inject({ method: 'GET', url: '/tasks/x', headers: { authorization: header }, remoteAddress: `10.67.0.${address % 250}` });
      assert.equal(res.statusCode, 401, header);
    }
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    const denied = metrics.body
      .split('\n')
      .filter((line) => line.startsWith('rbac_permission_denied_total{') && /reason="(invalid_token|malformed_header)"/.test(line))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    assert.ok(denied >= attacks.length + 4, `rbac_permission_denied_total counted ${denied}`);
  });
});
