import { relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from '../cli-error.js';
import { restartComponent, STACK_COMPONENTS, stackDown, stackStatus, stackUp, type StackComponent, type StackStatus } from '../stack/index.js';

const USAGE = `Usage: golden stack <up|down|restart|status> [options]

Start, stop, restart or inspect the local stack: Postgres, Redis, Docker,
Temporal, the worker and the API. State lives in .data/ (or $GOLDEN_DATA_DIR);
the variables to reach it are written to .data/stack.env.

Commands:
  up       start whatever is not running (idempotent), write .data/stack.env
  down     stop what \`up\` started
  restart  stop one component and start it again (same port, same data)
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
  restart: {
    usage: `Usage: golden stack restart <component> [--kill]

Stops one component that \`golden stack up\` started and starts it again on
the same port with the same data (Postgres WAL, Redis AOF, the Temporal
database file), waiting until it is ready as \`up\` does. Connected clients
lose their connections and must reconnect. Prints how long it took.

Components: ${STACK_COMPONENTS.join(', ')}

Options:
  --kill       SIGKILL it, its process group and its children at once, to
               simulate a crash, instead of its normal shutdown (SIGINT for
               postgres, SIGTERM otherwise)
  -h, --help   show this help`,
    options: { kill: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    positionals: 1,
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
} satisfies Record<string, { usage: string; options: ParseArgsConfig['options']; positionals?: number }>;

type Subcommand = keyof typeof SUBCOMMANDS;

function parse(sub: Subcommand, args: string[]): { values: Record<string, boolean | undefined>; positionals: string[] } {
  const spec: { usage: string; options: ParseArgsConfig['options']; positionals?: number } = SUBCOMMANDS[sub];
  const allowed = spec.positionals ?? 0;
  let parsed: { values: Record<string, boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: spec.options, strict: true, allowPositionals: allowed > 0 }) as typeof parsed;
  } catch (err) {
    throw new CliError(`${sub}: ${(err as Error).message}\n\n${spec.usage}`);
  }
  if (parsed.positionals.length > allowed) {
    throw new CliError(`${sub}: unexpected argument "${parsed.positionals[allowed]}"\n\n${spec.usage}`);
  }
  return parsed;
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
  summary: 'Start, stop, restart or inspect the local stack (Temporal, Postgres, Redis, Docker, worker, API)',
  run: async (args: string[]): Promise<void> => {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new CliError(`missing command (up, down, restart or status)\n\n${USAGE}`);
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      console.log(USAGE);
      return;
    }
    if (!Object.hasOwn(SUBCOMMANDS, sub)) throw new CliError(`unknown command "${sub}" (expected up, down, restart or status)\n\n${USAGE}`);
    const command = sub as Subcommand;
    const { values, positionals } = parse(command, rest);
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
      case 'restart': {
        const [component] = positionals;
        if (component === undefined) {
          throw new CliError(`restart: missing component (one of ${STACK_COMPONENTS.join(', ')})\n\n${SUBCOMMANDS.restart.usage}`);
        }
        // restartComponent checks the name and lists the valid ones.
        await restartComponent(component as StackComponent, { kill: values.kill === true });
        return;
      }
      case 'status': {
        const status = await stackStatus();
        if (values.json) console.log(JSON.stringify(status, null, 2));
        else printStatus(status);
        return;
      }
    }
  },
};
