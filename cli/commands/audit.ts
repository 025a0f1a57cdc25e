import { verifyAuditChain } from '../../api/audit-chain.js';
import { createDb } from '../../lib/db.js';
import { loadConfigSubset } from '../../lib/config.js';
import { parseCommandArgs } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

const USAGE = `usage: golden audit verify [--json]

verify  walks the whole audit trail (audit_log) in order and recomputes every entry's hash.
        An edited entry, a deleted one, a re-ordered one or a cut-off tail is reported with
        its sequence number and id; the command then exits with status 1.
        Reads DATABASE_URL directly (it needs no API token): run it where the database is reachable.`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Verify the hash chain of the audit trail',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') return void console.log(USAGE);
    if (sub !== 'verify') throw new CliError(`unknown audit command "${sub}"\n\n${USAGE}`);
    const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } }, USAGE);
    if (values.help) return void console.log(USAGE);
    const config = loadConfigSubset(['DATABASE_URL', 'DATABASE_POOL_SIZE']);
    const db = createDb({ ...config, DATABASE_POOL_SIZE: 1 });
    try {
      const report = await verifyAuditChain(db);
      if (values.json) console.log(JSON.stringify(report, null, 2));
      if (report.problems.length > 0) {
        throw new CliError(`audit trail TAMPERED: ${report.problems.length} finding(s) in ${report.entries} entries\n${report.problems.map((p) => `  ${p}`).join('\n')}`);
      }
      if (!values.json) console.log(`audit trail intact: ${report.entries} entries, head ${report.headSeq} ${report.headHash.slice(0, 16)}…`);
    } finally {
      await db.end();
    }
  },
};
