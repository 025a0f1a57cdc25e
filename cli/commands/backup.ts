import { loadConfigSubset } from '../../lib/config.js';
import { createBackup, listBackups } from '../backup/create.js';
import { totalBytes } from '../backup/manifest.js';
import type { Command } from '../command.js';
import { stackPaths } from '../stack/paths.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `usage:
  golden backup [create]
  golden backup list [--json]

create  backs up the local stack ($GOLDEN_DATA_DIR or .data/): Postgres (pg_dump -Fc),
        Temporal's SQLite database (online backup) and Redis's append-only data, with
        the stack's ports and secrets, into $BACKUP_TARGET/golden-<UTC time>/ with a
        manifest (files, sizes, SHA-256); keeps the newest $BACKUP_RETENTION backups.
list    lists the backups in $BACKUP_TARGET, newest first.

Restore one with \`golden restore <dir>\`.`;

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

const SUBCOMMANDS: Record<string, Subcommand> = {
  create: {
    async run() {
      const { BACKUP_TARGET, BACKUP_RETENTION } = loadConfigSubset(['BACKUP_TARGET', 'BACKUP_RETENTION']);
      const { dir, manifest, removed } = await createBackup(stackPaths(), BACKUP_TARGET, BACKUP_RETENTION, (line) => console.log(line));
      console.log(`backup ${dir}: ${manifest.files.length} files, ${mb(totalBytes(manifest))}, in ${manifest.durationMs} ms`);
      for (const r of removed) console.log(`removed ${r} (BACKUP_RETENTION=${BACKUP_RETENTION})`);
    },
  },
  list: {
    options: { json: { type: 'boolean' } },
    async run({ values }) {
      const { BACKUP_TARGET } = loadConfigSubset(['BACKUP_TARGET']);
      const backups = listBackups(BACKUP_TARGET);
      if (values.json) return void console.log(JSON.stringify(backups.map((b) => ({ dir: b.dir, createdAt: b.manifest.createdAt, bytes: totalBytes(b.manifest) })), null, 2));
      if (backups.length === 0) return void console.log(`no backups in ${BACKUP_TARGET}`);
      for (const b of backups) console.log(`${b.dir}  ${b.manifest.createdAt}  ${mb(totalBytes(b.manifest))}`);
    },
  },
};

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Back up the local stack (Postgres, Temporal, Redis) to BACKUP_TARGET, or list backups',
  async run(args) {
    // Plain `golden backup` creates one: the common case needs no subcommand.
    const first = args[0];
    const implicitCreate = first === undefined || (first.startsWith('-') && first !== '--help' && first !== '-h');
    await runSubcommand('backup', USAGE, SUBCOMMANDS, implicitCreate ? ['create', ...args] : args);
  },
};
