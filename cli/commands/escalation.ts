import { ESCALATION_ACTIONS, ESCALATION_STATUSES } from '../../domain/escalation.js';
import type { EscalationView } from '../../lib/escalation-store.js';
import { callApi } from '../api-client.js';
import type { Command } from '../command.js';
import { printFields, printJson, printTable } from '../output.js';
import { UsageError, choiceOption, limitOption, pathId, queryString, requiredString, runSubcommand, stringOption, type Subcommand } from '../subcommands.js';

const USAGE = `usage:
  golden escalation list [--status <${ESCALATION_STATUSES.join('|')}>] [--task <task id>] [--limit <1-500>] [--json]
  golden escalation show <escalation id> [--json]
  golden escalation resolve <escalation id> --action <${ESCALATION_ACTIONS.join('|')}> --comment <text> [--guidance <text>]

list     the tenant's escalations, newest first (GET /escalations; escalation:read);
         --status awaiting_human lists what waits for a person.
show     one escalation: why, the supervisor's synthesis, the decision once made.
resolve  decide an escalation waiting for a human (POST /escalations/:id/resolve; escalation:resolve):
         accept the solution, revise it (--guidance says what to change; required) or abort the task.
         You are recorded as the decider.

Every command takes --token <jwt> (else GOLDEN_TOKEN). Escalation ids are escalation-<task id>-<n>.`;

const json = { json: { type: 'boolean' } } as const;

const subcommands: Record<string, Subcommand> = {
  list: {
    options: { ...json, status: { type: 'string' }, task: { type: 'string' }, limit: { type: 'string' } },
    async run({ values, token }) {
      const query = queryString({ status: choiceOption(values, 'status', ESCALATION_STATUSES), taskId: stringOption(values, 'task'), limit: limitOption(values) });
      const { body } = await callApi<{ escalations: EscalationView[] }>('GET', `/escalations${query}`, { token });
      if (values.json) return printJson(body);
      printTable(
        ['ID', 'STATUS', 'REASON', 'TASK', 'CREATED', 'DECIDED BY'],
        body.escalations.map((e) => [e.id, e.status, e.reason, e.taskId, e.createdAt, e.decidedBy]),
      );
    },
  },
  show: {
    options: json,
    id: 'escalation id',
    async run({ values, id, token }) {
      const { body } = await callApi<EscalationView>('GET', `/escalations/${pathId(id)}`, { token });
      if (values.json) return printJson(body);
      printFields({ ...body }, ['id', 'taskId', 'status', 'reason', 'createdAt', 'resolvedAt', 'decidedBy', 'context', 'synthesis', 'decision']);
    },
  },
  resolve: {
    options: { action: { type: 'string' }, comment: { type: 'string' }, guidance: { type: 'string' } },
    id: 'escalation id',
    async run({ values, id, token }) {
      const action = choiceOption(values, 'action', ESCALATION_ACTIONS);
      if (action === undefined) throw new UsageError(`missing --action (one of ${ESCALATION_ACTIONS.join(', ')})\n\n${USAGE}`);
      const comment = requiredString(values, 'comment', USAGE);
      const guidance = stringOption(values, 'guidance');
      if (action === 'revise' && (guidance === undefined || guidance.trim() === '')) throw new UsageError('--action revise needs --guidance: what the developer should change');
      const body = { action, comment, ...(guidance === undefined ? {} : { guidance }) };
      printJson((await callApi('POST', `/escalations/${pathId(id)}/resolve`, { token, body })).body);
    },
  },
};

export const escalationCommand: Command = {
  name: 'escalation',
  summary: 'List, show and resolve escalations, through the API',
  run: (args) => runSubcommand('escalation', USAGE, subcommands, args),
};
