import { readFileSync } from 'node:fs';
import { AGENT_ROLES, type AgentRole } from '../../domain/agent-roles.js';
import { PROMPT_UPDATE_STATUSES, type PromptUpdateStatus } from '../../domain/governance.js';
import { callApi } from '../api-client.js';
import { parseCommandArgs, positiveInt, requireOption } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

const USAGE = `usage:
  golden prompt propose --role <${AGENT_ROLES.join('|')}> (--body <text> | --body-file <path>) --reason <text> [--id <update id>]
  golden prompt list [--status <${PROMPT_UPDATE_STATUSES.join('|')}>] [--role <role>] [--limit <1-500>]
  golden prompt show <update id>
  golden prompt approve <update id> [--comment <text>]
  golden prompt reject <update id> [--comment <text>]
  golden prompt governance
  golden prompt current --role <role>
  golden prompt rollback --role <role>

propose     starts the update's approval workflow (POST /prompts/updates; prompt:propose). The role's
            rules decide: applied, held for its daily limit or cooldown, or waiting for approval.
list        prompt updates, newest first; --status pending_approval lists what waits for a human.
show        one update and where it stands.
approve     approve / reject a waiting update (the Temporal updates approve/reject; prompt:approve).
reject
governance  per role: updates today, limit, cooldown left, pending approvals (the governance_status view).
current     the prompt a role uses now, and its version.
rollback    back to the role's previous prompt version (prompt:approve).

Every command takes --token <jwt> (else GOLDEN_TOKEN).`;

const print = (body: unknown) => console.log(JSON.stringify(body, null, 2));

function agentRole(value: string | undefined): AgentRole {
  const role = requireOption(value, 'role', USAGE);
  if (!(AGENT_ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be one of ${AGENT_ROLES.join(', ')}, got "${role}"`);
  return role as AgentRole;
}

function updateIdArg(positionals: string[]): string {
  const [id, ...extra] = positionals;
  if (!id) throw new CliError(`missing the update id\n\n${USAGE}`);
  if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}\n\n${USAGE}`);
  return encodeURIComponent(id);
}

function readBody(body: string | undefined, file: string | undefined): string {
  if ((body === undefined) === (file === undefined)) throw new CliError(`give exactly one of --body and --body-file\n\n${USAGE}`);
  if (body !== undefined) return body;
  try {
    return readFileSync(file!, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --body-file ${file}: ${(err as Error).message}`);
  }
}

export const promptCommand: Command = {
  name: 'prompt',
  summary: 'Propose, approve, reject and roll back agent prompt updates; governance status, through the API',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') return void console.log(USAGE);
    const token = { token: { type: 'string' } } as const;

    switch (sub) {
      case 'propose': {
        const { values } = parseCommandArgs(rest, { ...token, role: { type: 'string' }, body: { type: 'string' }, 'body-file': { type: 'string' }, reason: { type: 'string' }, id: { type: 'string' } }, USAGE);
        if (values.help) return void console.log(USAGE);
        const payload = {
          agentRole: agentRole(values.role),
          body: readBody(values.body, values['body-file']),
          reason: requireOption(values.reason, 'reason', USAGE),
          ...(values.id === undefined ? {} : { updateId: values.id }),
        };
        return print((await callApi('POST', '/prompts/updates', { token: values.token, body: payload })).body);
      }
      case 'list': {
        const { values } = parseCommandArgs(rest, { ...token, status: { type: 'string' }, role: { type: 'string' }, limit: { type: 'string' } }, USAGE);
        if (values.help) return void console.log(USAGE);
        const query = new URLSearchParams();
        if (values.status !== undefined) {
          if (!(PROMPT_UPDATE_STATUSES as readonly string[]).includes(values.status)) throw new CliError(`--status must be one of ${PROMPT_UPDATE_STATUSES.join(', ')}, got "${values.status}"`);
          query.set('status', values.status as PromptUpdateStatus);
        }
        if (values.role !== undefined) query.set('role', agentRole(values.role));
        if (values.limit !== undefined) {
          const limit = positiveInt(values.limit, 'limit', 50);
          if (limit > 500) throw new CliError(`--limit must be at most 500, got "${values.limit}"`);
          query.set('limit', String(limit));
        }
        return print((await callApi('GET', `/prompts/updates${query.size > 0 ? `?${query}` : ''}`, { token: values.token })).body);
      }
      case 'show': {
        const { values, positionals } = parseCommandArgs(rest, token, USAGE, true);
        if (values.help) return void console.log(USAGE);
        return print((await callApi('GET', `/prompts/updates/${updateIdArg(positionals)}`, { token: values.token })).body);
      }
      case 'approve':
      case 'reject': {
        const { values, positionals } = parseCommandArgs(rest, { ...token, comment: { type: 'string' } }, USAGE, true);
        if (values.help) return void console.log(USAGE);
        const body = values.comment === undefined ? {} : { comment: values.comment };
        return print((await callApi('POST', `/prompts/updates/${updateIdArg(positionals)}/${sub}`, { token: values.token, body })).body);
      }
      case 'governance': {
        const { values } = parseCommandArgs(rest, token, USAGE);
        if (values.help) return void console.log(USAGE);
        return print((await callApi('GET', '/prompts/governance', { token: values.token })).body);
      }
      case 'current':
      case 'rollback': {
        const { values } = parseCommandArgs(rest, { ...token, role: { type: 'string' } }, USAGE);
        if (values.help) return void console.log(USAGE);
        const role = agentRole(values.role);
        if (sub === 'current') return print((await callApi('GET', `/prompts/${role}`, { token: values.token })).body);
        return print((await callApi('POST', `/prompts/${role}/rollback`, { token: values.token, body: {} })).body);
      }
      default:
        throw new CliError(`unknown subcommand "prompt ${sub}"\n\n${USAGE}`);
    }
  },
};
