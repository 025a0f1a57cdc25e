import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { projectRoot } from '../../lib/paths.js';
import { readMigrations, runMigrations } from '../../lib/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.js';
import { requireServices, testConfig } from '../support/services.js';

const config = testConfig();
const migrationsDir = join(projectRoot(), 'migrations');
let scratch: ScratchDatabase;
let databaseUrl: string;

describe('migration runner', () => {
  before(async () => {
    await requireServices(config, ['postgres']);
    scratch = await createScratchDatabase(config, 'mig');
    databaseUrl = scratch.url;
  });
  after(async () => {
    await scratch?.drop();
  });

  it('applies each migration once even when two runners race', async () => {
    const [a, b] = await Promise.all([runMigrations({ databaseUrl, migrationsDir }), runMigrations({ databaseUrl, migrationsDir })]);
    const all = readMigrations(migrationsDir).map((m) => m.file);
    assert.deepEqual([...a.applied, ...b.applied].sort(), all);
    const again = await runMigrations({ databaseUrl, migrationsDir });
    assert.deepEqual(again.applied, []);

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
    await client.end();
    assert.deepEqual(rows.map((r) => r.version), readMigrations(migrationsDir).map((m) => m.version));
  });

  it('refuses a migration edited after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(migrationsDir, dir, { recursive: true });
    appendFileSync(join(dir, '001_core.sql'), '\n-- edited\n');
    await assert.rejects(runMigrations({ databaseUrl, migrationsDir: dir }), /001_core\.sql was changed after it was applied/);
  });
});
