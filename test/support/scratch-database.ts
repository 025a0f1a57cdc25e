import pg from 'pg';
import type { Config } from '../../lib/config.js';
import { uniqueId } from './services.js';

export interface ScratchDatabase {
  /** The throwaway database's URL: same server and credentials as the stack's. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the stack's Postgres, for tests that must start from nothing (migrations, triggers). */
export async function createScratchDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_OWNER_URL'>, prefix: string): Promise<ScratchDatabase> {
  const name = uniqueId(prefix).replace(/-/g, '_').toLowerCase();
  const admin = new pg.Client({ connectionString: config.DATABASE_OWNER_URL ?? config.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(config.DATABASE_OWNER_URL ?? config.DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
