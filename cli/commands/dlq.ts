import type { DeadLetterView } from '../../lib/dead-letter-store.js';
import { callApi } from '../api-client.js';
import type { Command } from '../command.js';
import { printFields, printJson, printTable } from '../output.js';
import { UsageError, choiceOption, limitOption, pathId, queryString, runSubcommand, stringOption, type Subcommand } from '../subcommands.js';

const USAGE = `usage:
  golden dlq list [--resolved <true|false>] [--task <task id>] [--limit <1-500>] [--json]
  golden dlq show <dead letter id> [--json]
  golden dlq redrive <dead letter id> [--comment <text>]
  golden dlq discard <dead letter id> [--comment <text>]

list     the tenant's dead letters (steps that exhausted their retries), newest first
         (GET /dead-letters; dlq:read); --resolved false lists what waits for an operator.
show     one dead letter: its workflow and step, error, attempts, how it ended.
redrive  run the failed step again (POST /dead-letters/:id/redrive; dlq:redrive).
discard  give up on the step; its task ends as discarded (POST /dead-letters/:id/discard; dlq:redrive).
         You are recorded as the one who decided.

Every command takes --token <jwt> (else GOLDEN_TOKEN). Dead-letter ids are whole numbers.`;

const json = { json: { type: 'boolean' } } as const;

function deadLetterId(id: string): string {
  if (!/^[1-9][0-9]{0,14}$/.test(id)) throw new UsageError(`a dead letter id is a positive whole number, got "${id}"`);
  return pathId(id);
}

const decide = (action: 'redrive' | 'discard'): Subcommand => ({
  options: { comment: { type: 'string' } },
  id: 'dead letter id',
  async run({ values, id, token }) {
    const comment = stringOption(values, 'comment');
    const body = comment === undefined ? {} : { comment };
    printJson((await callApi('POST', `/dead-letters/${deadLetterId(id)}/${action}`, { token, body })).body);
  },
});

const subcommands: Record<string, Subcommand> = {
  list: {
    options: { ...json, resolved: { type: 'string' }, task: { type: 'string' }, limit: { type: 'string' } },
    async run({ values, token }) {
      const query = queryString({ resolved: choiceOption(values, 'resolved', ['true', 'false'] as const), taskId: stringOption(values, 'task'), limit: limitOption(values) });
      const { body } = await callApi<{ deadLetters: DeadLetterView[] }>('GET', `/dead-letters${query}`, { token });
      if (values.json) return printJson(body);
      printTable(
        ['ID', 'STATE', 'TASK', 'STEP', 'ATTEMPTS', 'CREATED', 'ERROR'],
        body.deadLetters.map((d) => [d.id, d.resolved ? (d.resolution ?? 'resolved') : 'open', d.taskId, d.step, d.attempts, d.createdAt, d.error]),
      );
    },
  },
  show: {
    options: json,
    id: 'dead letter id',
    async run({ values, id, token }) {
      const { body } = await callApi<DeadLetterView>('GET', `/dead-letters/${deadLetterId(id)}`, { token });
      if (values.json) return printJson(body);
      printFields({ ...body }, ['id', 'originalSubject', 'taskId', 'workflowId', 'step', 'attempts', 'errorType', 'error', 'createdAt', 'resolved', 'resolution', 'resolvedBy', 'resolvedAt', 'data']);
    },
  },
  redrive: decide('redrive'),
  discard: decide('discard'),
};

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'List, show, re-drive and discard dead letters, through the API',
  run: (args) => runSubcommand('dlq', USAGE, subcommands, args),
};
