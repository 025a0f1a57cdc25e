import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, loadConfigSubset } from '../../lib/config.js';
import { parseEnvFile } from '../../lib/env-file.js';

const base = {
  GOLDEN_ENV_FILE: '/nonexistent/stack.env',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  JWT_SECRET: 'x'.repeat(32),
  PAYLOAD_ENCRYPTION_KEYS: `k1:${'ab'.repeat(32)}`,
};

describe('config', () => {
  it('fills defaults for a minimal valid environment', () => {
    const config = loadConfig({ ...base });
    assert.equal(config.TEMPORAL_NAMESPACE, 'golden');
    assert.equal(config.API_PORT, 8080);
    assert.equal(config.TEMPORAL_TLS, false);
    assert.equal(config.LLM_PROVIDER, 'scripted');
  });

  it('lists every offending variable at once', () => {
    assert.throws(
      () => loadConfig({ ...base, DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', API_PORT: 'eighty', TEMPORAL_ADDRESS: undefined }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const vars = err.problems.map((p) => p.variable).sort();
        assert.deepEqual(vars, ['API_PORT', 'DATABASE_URL', 'JWT_SECRET', 'TEMPORAL_ADDRESS']);
        assert.match(err.message, /DATABASE_URL: must be a postgres:\/\/ URL/);
        assert.match(err.message, /TEMPORAL_ADDRESS: is required/);
        assert.match(err.message, /JWT_SECRET: must be at least 32 characters/);
        return true;
      },
    );
  });

  it('parses booleans strictly', () => {
    assert.equal(loadConfig({ ...base, TEMPORAL_TLS: 'true' }).TEMPORAL_TLS, true);
    assert.throws(() => loadConfig({ ...base, TEMPORAL_TLS: 'maybe' }), /TEMPORAL_TLS: must be true or false/);
  });

  it('validates only what a subset asks for', () => {
    const jwt = loadConfigSubset(['JWT_SECRET', 'JWT_ISSUER'], { GOLDEN_ENV_FILE: '/nonexistent', JWT_SECRET: 'y'.repeat(40) });
    assert.equal(jwt.JWT_ISSUER, 'golden');
    assert.throws(() => loadConfigSubset(['JWT_SECRET'], { GOLDEN_ENV_FILE: '/nonexistent' }), /JWT_SECRET: is required/);
  });

  it('reads KEY=VALUE env files, ignoring comments and blank lines', () => {
    assert.deepEqual(parseEnvFile('# c\nA=1\n\nB = two=2\nbroken\n'), { A: '1', B: 'two=2' });
  });
});
