import { decodeJwt } from 'jose';
import { BUDGET_PERIODS, RESERVATION_STATES, type BudgetStatus } from '../../domain/budget.js';
import { loadConfigSubset } from '../../lib/config.js';
import { callApi } from '../api-client.js';
import { parseCommandArgs, positiveInt, requireOption } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

const MAX_LISTED = 500;

const USAGE = `usage:
  golden budget status [--tenant <tenant>] [--token <jwt>]
  golden budget set-limit --limit <tokens> [--period <${BUDGET_PERIODS.join('|')}>] [--tenant <tenant>] [--token <jwt>]
  golden budget reservations [--state <${RESERVATION_STATES.join('|')}>] [--limit <1-${MAX_LISTED}>] [--tenant <tenant>] [--token <jwt>]

status        prints the tenant's limit, period, reserved, committed and remaining tokens (GET /budgets/:tenant).
set-limit     sets the tenant's token limit, and its period if given (PUT /budgets/:tenant/limit; admin only).
              Refused when the new limit is below what is already reserved + committed.
reservations  lists the tenant's reservations, newest first (GET /budgets/:tenant/reservations; default 50).

--tenant defaults to the token's own tenant; a token reaches no other tenant's budget.
The token comes from --token or GOLDEN_TOKEN.`;

/**
 * --tenant, else the tenant the token names. The claim is read, not verified:
 * it only picks the URL, and the API verifies the token and refuses any other tenant.
 */
function resolveTenant(given: string | undefined, tokenOption: string | undefined): string {
  if (given !== undefined) return requireOption(given, 'tenant', USAGE);
  const token = tokenOption ?? loadConfigSubset(['GOLDEN_TOKEN']).GOLDEN_TOKEN;
  if (!token) throw new CliError(`missing --tenant, and no API token to take it from (pass --token or set GOLDEN_TOKEN)\n\n${USAGE}`);
  let tenant: unknown;
  try {
    tenant = decodeJwt(token).tenant;
  } catch {
    // Not a JWT: the API will say so; here we only lack the tenant.
  }
  if (typeof tenant !== 'string' || tenant === '') throw new CliError(`missing --tenant, and the token names no tenant\n\n${USAGE}`);
  return tenant;
}

function tokenCount(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new CliError(`--${name} must be a whole number of tokens (0 or more), got "${value}"`);
  return n;
}

function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

const budgetPath = (tenant: string, rest = '') => `/budgets/${encodeURIComponent(tenant)}${rest}`;
const print = (body: unknown) => console.log(JSON.stringify(body, null, 2));

export const budgetCommand: Command = {
  name: 'budget',
  summary: "Show or set a tenant's token budget, list its reservations, through the API",
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') return void console.log(USAGE);
    const common = { tenant: { type: 'string' }, token: { type: 'string' } } as const;

    if (sub === 'status') {
      const { values } = parseCommandArgs(rest, common, USAGE);
      if (values.help) return void console.log(USAGE);
      const tenant = resolveTenant(values.tenant, values.token);
      return print((await callApi<BudgetStatus>('GET', budgetPath(tenant), { token: values.token })).body);
    }
    if (sub === 'set-limit') {
      const { values } = parseCommandArgs(rest, { ...common, limit: { type: 'string' }, period: { type: 'string' } }, USAGE);
      if (values.help) return void console.log(USAGE);
      const body = {
        totalLimit: tokenCount(requireOption(values.limit, 'limit', USAGE), 'limit'),
        ...(values.period === undefined ? {} : { period: oneOf(values.period, 'period', BUDGET_PERIODS) }),
      };
      const tenant = resolveTenant(values.tenant, values.token);
      return print((await callApi<BudgetStatus>('PUT', budgetPath(tenant, '/limit'), { token: values.token, body })).body);
    }
    if (sub === 'reservations') {
      const { values } = parseCommandArgs(rest, { ...common, state: { type: 'string' }, limit: { type: 'string' } }, USAGE);
      if (values.help) return void console.log(USAGE);
      const query = new URLSearchParams();
      const state = oneOf(values.state, 'state', RESERVATION_STATES);
      if (state) query.set('state', state);
      if (values.limit !== undefined) {
        const limit = positiveInt(values.limit, 'limit', 50);
        if (limit > MAX_LISTED) throw new CliError(`--limit must be at most ${MAX_LISTED}, got "${values.limit}"`);
        query.set('limit', String(limit));
      }
      const tenant = resolveTenant(values.tenant, values.token);
      const suffix = query.toString() ? `/reservations?${query}` : '/reservations';
      return print((await callApi<unknown>('GET', budgetPath(tenant, suffix), { token: values.token })).body);
    }
    throw new CliError(`unknown subcommand "budget ${sub}"\n\n${USAGE}`);
  },
};
