import { ConfigError } from '../lib/config.js';
import { CliError } from './cli-error.js';
import type { Command } from './command.js';
import { auditCommand } from './commands/audit.js';
import { backupCommand } from './commands/backup.js';
import { breakerCommand } from './commands/breaker.js';
import { budgetCommand } from './commands/budget.js';
import { dlqCommand } from './commands/dlq.js';
import { doctorCommand } from './commands/doctor.js';
import { escalationCommand } from './commands/escalation.js';
import { promptCommand } from './commands/prompt.js';
import { restoreCommand } from './commands/restore.js';
import { scaleCommand } from './commands/scale.js';
import { stackCommand } from './commands/stack.js';
import { taskCommand } from './commands/task.js';
import { tokenCommand } from './commands/token.js';
import { UsageError } from './subcommands.js';

const COMMANDS: Command[] = [stackCommand, doctorCommand, tokenCommand, taskCommand, budgetCommand, promptCommand, escalationCommand, dlqCommand, breakerCommand, auditCommand, scaleCommand, backupCommand, restoreCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: golden <command> [options]   (golden <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`golden: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    await command.run(args);
    return 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof ConfigError) {
      console.error(`golden ${name}: ${err.message}`);
      return err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
