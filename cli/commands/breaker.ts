import type { BreakerListRow } from '../../domain/circuit-breaker.js';
import { callApi } from '../api-client.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { pathId, runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `usage:
  golden breaker list [--json]
  golden breaker reset <name>

list   every running worker and API process with its circuit breakers (GET /breakers; breaker:read):
       state, consecutive failures, seconds open, and STUCK when a critical dependency's breaker
       has been OPEN for more than 5 minutes.
reset  close breaker <name> (postgres, redis, docker or llm:<provider>:<host>) in every process now
       (POST /breakers/:name/reset; breaker:reset; audited). Only after the dependency is back:
       an open breaker closes by itself after a successful trial call.

Every command takes --token <jwt> (else GOLDEN_TOKEN).`;

interface ListBody {
  processes: Array<{ process: string; service: string; reportedAt: number }>;
  breakers: BreakerListRow[];
}

const subcommands: Record<string, Subcommand> = {
  list: {
    options: { json: { type: 'boolean' } },
    async run({ values, token }) {
      const { body } = await callApi<ListBody>('GET', '/breakers', { token });
      if (values.json) return printJson(body);
      printTable(
        ['PROCESS', 'SERVICE', 'BREAKERS'],
        body.processes.map((p) => [p.process, p.service, body.breakers.filter((b) => b.process === p.process).length]),
      );
      console.log('');
      printTable(
        ['NAME', 'PROCESS', 'STATE', 'FAILURES', 'OPEN_S', 'STUCK', 'LAST_FAILURE'],
        body.breakers.map((b) => [b.name, b.process, b.state, b.failures, b.openSeconds, b.stuck ? 'STUCK' : '', b.lastFailureMessage]),
      );
    },
  },
  reset: {
    options: {},
    id: 'breaker name',
    async run({ id, token }) {
      printJson((await callApi('POST', `/breakers/${pathId(id)}/reset`, { token })).body);
    },
  },
};

export const breakerCommand: Command = {
  name: 'breaker',
  summary: 'List every process\'s circuit breakers and reset one everywhere, through the API',
  run: (args) => runSubcommand('breaker', USAGE, subcommands, args),
};
