import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** Any fixed number will do; it only has to be the same for every runner of this project. */
const MIGRATION_LOCK_KEY = 0x601de2;

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/**
 * The application's database role (migrations/010_app_role.sql): it owns
 * nothing, reads and writes the platform's tables, and may only append to and
 * read the audit trail. Migrations run as the owner.
 */
export const APP_ROLE = 'golden_app';

/**
 * The application's URL next to an owner's URL: same server and database,
 * role golden_app, and a password derived from the owner's (HMAC-SHA256,
 * hex), so whoever holds the owner's password can set and know the app's
 * without a second secret to keep. The local stack sets this password.
 */
export function appRoleUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  const ownerPassword = decodeURIComponent(url.password);
  if (!ownerPassword) throw new MigrationError('the owner URL has no password to derive the application role\'s from');
  url.username = APP_ROLE;
  url.password = appRolePassword(ownerPassword);
  return url.toString();
}

/** Hex only, so it is safe inside an SQL literal. */
export function appRolePassword(ownerPassword: string): string {
  return createHmac('sha256', ownerPassword).update(APP_ROLE).digest('hex');
}

/** Thrown when the migrations folder or the applied history is inconsistent. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export function readMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Map<number, string>();
  return files.map((file) => {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError(`${file}: migration files are named NNN_name.sql (lowercase, digits, "_")`);
    const version = Number(match[1]);
    const clash = seen.get(version);
    if (clash) throw new MigrationError(`${file} and ${clash} share version ${version}`);
    seen.set(version, file);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: match[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Applies every migration not yet recorded, in version order, each in its own
 * transaction. A session-level advisory lock makes concurrent runners (two
 * workers starting at once) wait for each other instead of racing. An edited
 * migration that was already applied is an error, not a silent skip.
 */
export async function runMigrations(opts: {
  databaseUrl: string;
  migrationsDir: string;
  log?: (line: string) => void;
}): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const migrations = readMigrations(opts.migrationsDir);
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string; name: string }>(
      'SELECT version, checksum, name FROM schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new MigrationError(`${m.file} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      log(`applying ${m.file}`);
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new MigrationError(`${m.file} failed: ${(err as Error).message}`);
      }
      applied.push(m.file);
    }
    return { applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
