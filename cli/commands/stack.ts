import { relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from '../cli-error.js';
import { stackDown, stackStatus, stackUp, type StackStatus } from '../stack/index.js';

const USAGE = `Usage: golden stack <up|down|status> [options]

Start, stop or inspect the local stack: Postgres, Redis, Docker, Temporal,
the worker and the API. State lives in .data/ (or $GOLDEN_DATA_DIR); the
variables to reach it are written to .data/stack.env.

Commands:
  up       start whatever is not running (idempotent), write .data/stack.env
  down     stop what \`up\` started
  status   show each component: state, address, pid, log file

Run \`golden stack <command> --help\` for its options.`;

const SUBCOMMANDS = {
  up: {
    usage: `Usage: golden stack up [--services-only]

Installs missing Debian packages, starts Postgres (and runs migrations),
Redis, Docker (unless one already answers) and the Temporal dev server, then
the worker and the API from dist/. Running components are reused.

Options:
  --services-only   start the services only, not the worker and the API
  -h, --help        show this help`,
    options: { 'services-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  },
  down: {
    usage: `Usage: golden stack down [--purge]

Stops the API, the worker, Temporal, Redis, Postgres and Docker, but only the
processes \`golden stack up\` started (by their pid files).

Options:
  --purge      also delete the data dir (databases, logs, secrets)
  -h, --help   show this help`,
    options: { purge: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  },
  status: {
    usage: `Usage: golden stack status [--json]

Shows each component's state, address, pid and log file, and the Temporal
Web UI address. Starts nothing.

Options:
  --json       print the status as JSON
  -h, --help   show this help`,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  },
} satisfies Record<string, { usage: string; options: ParseArgsConfig['options'] }>;

type Subcommand = keyof typeof SUBCOMMANDS;

function parse(sub: Subcommand, args: string[]): Record<string, boolean | undefined> {
  try {
    const { values } = parseArgs({ args, options: SUBCOMMANDS[sub].options, strict: true, allowPositionals: false });
    return values as Record<string, boolean | undefined>;
  } catch (err) {
    throw new CliError(`${sub}: ${(err as Error).message}\n\n${SUBCOMMANDS[sub].usage}`);
  }
}

function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}

function printStatus(status: StackStatus): void {
  const rows = [
    ['COMPONENT', 'STATE', 'ADDRESS', 'PID', 'LOG'],
    ...status.components.map((c) => [c.name, c.state, c.address, c.pid === undefined ? '-' : String(c.pid), c.logFile === '-' ? '-' : shortPath(c.logFile)]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  '));
  console.log('');
  if (status.webUi) console.log(`Temporal Web UI: ${status.webUi.url}${status.webUi.answers ? '' : ' (not answering)'}`);
  console.log(`Env file: ${status.envFile ? shortPath(status.envFile) : `none yet (run \`golden stack up\`)`}`);
  for (const problem of status.problems) console.log(`WARNING: ${problem}`);
}

export const stackCommand = {
  name: 'stack',
  summary: 'Start, stop or inspect the local stack (Temporal, Postgres, Redis, Docker, worker, API)',
  run: async (args: string[]): Promise<void> => {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new CliError(`missing command (up, down or status)\n\n${USAGE}`);
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      console.log(USAGE);
      return;
    }
    if (!Object.hasOwn(SUBCOMMANDS, sub)) throw new CliError(`unknown command "${sub}" (expected up, down or status)\n\n${USAGE}`);
    const command = sub as Subcommand;
    const values = parse(command, rest);
    if (values.help) {
      console.log(SUBCOMMANDS[command].usage);
      return;
    }
    switch (command) {
      case 'up':
        await stackUp({ servicesOnly: values['services-only'] === true });
        return;
      case 'down':
        await stackDown({ purge: values.purge === true });
        return;
      case 'status': {
        const status = await stackStatus();
        if (values.json) console.log(JSON.stringify(status, null, 2));
        else printStatus(status);
        return;
      }
    }
  },
};
