import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { writeAudit } from '../../api/audit.js';
import { verifyAuditChain } from '../../api/audit-chain.js';
import { createDb, type Db } from '../../lib/db.js';
import { APP_ROLE, appRoleUrl, runMigrations } from '../../lib/migrations.js';
import { projectRoot } from '../../lib/paths.js';
import { golden } from '../support/cli.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.js';
import { requireServices, testConfig } from '../support/services.js';

/**
 * The audit trail in a database of its own (the shared one must stay
 * intact): entries written before migration 005 are chained by it, new
 * ones are chained on insert even when concurrent, the application's role
 * (logged in as golden_app, as the application connects) can only append and
 * read, nobody can UPDATE, DELETE or TRUNCATE, and what a superuser does with
 * the triggers off is found by `golden audit verify`.
 */
const config = testConfig();
let scratch: ScratchDatabase;
let owner: pg.Client;
let db: Db;
let databaseUrl: string;
/** The same database as the application's role, golden_app. */
let appUrl: string;

const entry = (i: number) => ({
  tenantId: 'acme',
  actor: `user-${i}`,
  role: 'operator',
  action: 'task:create',
  resource: `task/t-${i}`,
  outcome: 'allowed' as const,
  requestId: `req-${i}`,
  sourceAddress: '10.1.2.3',
  detail: { n: i, note: 'ünïcödé | "quoted"' },
});

async function verifyCli() {
  return golden(['audit', 'verify'], { DATABASE_URL: appUrl, GOLDEN_ENV_FILE: '/nonexistent' });
}

async function refusal(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
  return 'accepted';
}

describe('tamper-evident, append-only audit trail', () => {
  before(async () => {
    await requireServices(config, ['postgres']);
    scratch = await createScratchDatabase(config, 'audit');
    databaseUrl = scratch.url;
    appUrl = appRoleUrl(databaseUrl);
    owner = new pg.Client({ connectionString: databaseUrl });
    await owner.connect();
    db = createDb({ DATABASE_URL: appUrl, DATABASE_POOL_SIZE: 10 });

    // The table as it was before 005, with entries in it.
    const dir = mkdtempSync(join(tmpdir(), 'audit-mig-'));
    copyFileSync(join(projectRoot(), 'migrations', '001_core.sql'), join(dir, '001_core.sql'));
    await runMigrations({ databaseUrl, migrationsDir: dir });
    for (let i = 1; i <= 3; i += 1) {
      await owner.query(`INSERT INTO audit_log (tenant_id, actor, action, outcome, detail) VALUES ('acme', $1, 'task:read', 'denied', $2)`, [`old-${i}`, { i }]);
    }
    copyFileSync(join(projectRoot(), 'migrations', '005_audit_chain.sql'), join(dir, '005_audit_chain.sql'));
    copyFileSync(join(projectRoot(), 'migrations', '010_app_role.sql'), join(dir, '010_app_role.sql'));
    await runMigrations({ databaseUrl, migrationsDir: dir });
  });
  after(async () => {
    await db?.end();
    await owner?.end();
    await scratch?.drop();
  });

  it('chains the entries written before the migration and every concurrent one after it', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeAudit(db, entry(i))));
    const report = await verifyAuditChain(db);
    assert.deepEqual(report.problems, []);
    assert.equal(report.entries, 43);
    assert.equal(report.headSeq, 43);
    const cli = await verifyCli();
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /audit trail intact: 43 entries, head 43 [0-9a-f]{16}/);
  });

  it('lets the application role only append and read', async () => {
    const app = new pg.Client({ connectionString: appUrl });
    await app.connect();
    try {
      assert.equal((await app.query('SELECT current_user AS me')).rows[0].me, APP_ROLE, 'logged in as the application role');
      await app.query(`INSERT INTO audit_log (action, outcome) VALUES ('task:read', 'allowed')`);
      assert.ok((await app.query('SELECT count(*) FROM audit_log')).rows[0].count > 0);
      for (const sql of ['UPDATE audit_log SET actor = $$x$$', 'DELETE FROM audit_log', 'TRUNCATE audit_log', 'UPDATE audit_chain_head SET seq = 0', 'DELETE FROM audit_chain_head']) {
        assert.match(await refusal(app, sql), /^42501: permission denied/, sql);
      }
      const { rows } = await app.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'`);
      assert.notEqual(rows[0].tableowner, APP_ROLE);
    } finally {
      await app.end();
    }
  });

  it('gives the application role full use of what later migrations create, and nothing it could own', async () => {
    // As a later migration would, run by the owner: a table with a sequence, and a function.
    await owner.query('CREATE TABLE later_feature (id bigserial PRIMARY KEY, note text)');
    await owner.query('CREATE FUNCTION later_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM later_feature $$');
    const app = new pg.Client({ connectionString: appUrl });
    await app.connect();
    try {
      await app.query(`INSERT INTO later_feature (note) VALUES ('a'), ('b')`);
      await app.query(`UPDATE later_feature SET note = 'c' WHERE note = 'a'`);
      await app.query(`DELETE FROM later_feature WHERE note = 'b'`);
      assert.equal((await app.query('SELECT later_count() AS n')).rows[0].n, '1');
      assert.match(await refusal(app, 'DROP TABLE later_feature'), /^42501: must be owner/);
      assert.match(await refusal(app, 'CREATE TABLE app_made (x int)'), /^42501: permission denied for schema public/);
      assert.match(await refusal(app, `SELECT setval('audit_log_id_seq', 1)`), /^42501: permission denied/);
    } finally {
      await app.end();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE even for the owner', async () => {
    for (const sql of ['UPDATE audit_log SET actor = $$x$$ WHERE chain_seq = 1', 'DELETE FROM audit_log WHERE chain_seq = 1', 'TRUNCATE audit_log', 'UPDATE audit_chain_head SET seq = 1', 'TRUNCATE audit_chain_head']) {
      assert.match(await refusal(owner, sql), /^42501: audit_(log|chain_head) .*refused/, sql);
    }
    assert.deepEqual((await verifyAuditChain(db)).problems, []);
  });

  it('finds an edited entry, a deleted one and a cut-off tail', async () => {
    await owner.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    try {
      const { rows } = await owner.query<{ id: string; actor: string }>('SELECT id::text, actor FROM audit_log WHERE chain_seq = 10');
      await owner.query(`UPDATE audit_log SET actor = 'someone-else' WHERE chain_seq = 10`);
      const edited = await verifyCli();
      assert.equal(edited.code, 1);
      assert.match(edited.stderr, new RegExp(`audit trail TAMPERED: 1 finding\\(s\\) in 44 entries\\n  entry 10 \\(id ${rows[0]!.id}\\) was altered`));
      await owner.query('UPDATE audit_log SET actor = $1 WHERE chain_seq = 10', [rows[0]!.actor]);
      assert.equal((await verifyCli()).code, 0, 'restored, the chain verifies again');

      await owner.query('DELETE FROM audit_log WHERE chain_seq = 20');
      const deleted = (await verifyAuditChain(db)).problems;
      assert.ok(deleted.some((p) => /entries 20\.\.20 are missing/.test(p)), deleted.join('\n'));
      assert.ok(deleted.some((p) => /entry 21 .* does not link/.test(p)), deleted.join('\n'));

      await owner.query('DELETE FROM audit_log WHERE chain_seq >= 43');
      const cut = (await verifyAuditChain(db)).problems;
      assert.ok(cut.some((p) => /entries 43\.\.44 are missing: the head records 44/.test(p)), cut.join('\n'));
      const cli = await verifyCli();
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /TAMPERED/);
    } finally {
      await owner.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    }
  });
});
