import { parseArgs } from 'node:util';
import { restoreBackup } from '../backup/restore.js';
import type { Command } from '../command.js';
import { stackPaths } from '../stack/paths.js';
import { UsageError } from '../subcommands.js';

const USAGE = `usage: golden restore <backup dir> [--force] [--services-only]

Restores a backup made by \`golden backup\` into the local stack ($GOLDEN_DATA_DIR
or .data/), which should be stopped or new: checks the manifest's checksums, puts
back the stack's ports and secrets, Temporal's database and Redis's data, starts
the services, replaces database golden with the dump, then starts the worker and API.

Options:
  --force          stop a running stack first and overwrite its data
  --services-only  start the services only, not the worker and the API
  -h, --help       show this help`;

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore a backup into a stopped or new stack, then start it',
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { force: { type: 'boolean' }, 'services-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
    }
    if (parsed.values.help) return void console.log(USAGE);
    const [dir, ...extra] = parsed.positionals;
    if (dir === undefined) throw new UsageError(`missing the backup directory\n\n${USAGE}`);
    if (extra.length > 0) throw new UsageError(`golden restore takes one backup directory; unexpected: ${extra.join(' ')}\n\n${USAGE}`);
    const { durationMs } = await restoreBackup(stackPaths(), dir, {
      force: parsed.values.force === true,
      servicesOnly: parsed.values['services-only'] === true,
      log: (line) => console.log(line),
    });
    console.log(`restored ${dir} in ${durationMs} ms`);
  },
};
