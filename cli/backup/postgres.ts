import { join } from 'node:path';
import pg from 'pg';
import { CliError } from '../cli-error.js';
import { installedBinaries } from '../stack/apt.js';
import { runCommand } from '../stack/exec.js';
import type { StackState } from '../stack/state.js';

export const POSTGRES_DUMP = 'postgres.dump';

/** The owner's connection as libpq variables: the password stays out of argv, which `ps` shows. */
function pgEnv(state: StackState, database: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PGHOST: '127.0.0.1',
    PGPORT: String(state.ports.postgres),
    PGUSER: 'golden',
    PGPASSWORD: state.secrets.postgresPassword,
    PGDATABASE: database,
  };
}

const binary = (name: string): string => join(installedBinaries(false).postgresBinDir, name);

/** pg_dump's custom format: one consistent snapshot of database golden, restorable table by table. */
export async function dumpPostgres(state: StackState, file: string): Promise<void> {
  const res = await runCommand(binary('pg_dump'), ['-Fc', '--file', file], { env: pgEnv(state, 'golden'), timeoutMs: 30 * 60_000 });
  if (res.code !== 0) throw new CliError(`pg_dump failed (exit ${res.code}): ${res.stderr.trim()}`);
}

/** Replaces database golden with the dump's: dropped (its sessions ended), created empty, then restored. */
export async function restorePostgres(state: StackState, file: string): Promise<void> {
  const admin = new pg.Client({ ...pgClientConfig(state), database: 'postgres' });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS golden WITH (FORCE)');
    await admin.query('CREATE DATABASE golden');
  } finally {
    await admin.end();
  }
  const res = await runCommand(binary('pg_restore'), ['--exit-on-error', '--dbname', 'golden', file], { env: pgEnv(state, 'golden'), timeoutMs: 30 * 60_000 });
  if (res.code !== 0) throw new CliError(`pg_restore failed (exit ${res.code}): ${res.stderr.trim()}`);
}

function pgClientConfig(state: StackState): pg.ClientConfig {
  return { host: '127.0.0.1', port: state.ports.postgres, user: 'golden', password: state.secrets.postgresPassword, connectionTimeoutMillis: 5000 };
}
