import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readMigrations } from '../../lib/migrations.js';
import { projectRoot } from '../../lib/paths.js';

describe('migration files', () => {
  it('are numbered, unique and ordered', () => {
    const migrations = readMigrations(join(projectRoot(), 'migrations'));
    assert.ok(migrations.length >= 1);
    assert.equal(migrations[0]!.file, '001_core.sql');
    const versions = migrations.map((m) => m.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  });

  it('refuses badly named or clashing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, '001_a.sql'), 'select 1');
    writeFileSync(join(dir, '001_b.sql'), 'select 1');
    assert.throws(() => readMigrations(dir), /share version 1/);
    const dir2 = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir2, '1-core.sql'), 'select 1');
    assert.throws(() => readMigrations(dir2), /named NNN_name\.sql/);
  });
});
