import { TokenClaims } from '../../domain/schemas/identity.js';
import { ROLE_NAMES } from '../../domain/roles.js';
import { describeZodError } from '../../domain/validation.js';
import { loadConfigSubset } from '../../lib/config.js';
import { signToken } from '../../lib/tokens.js';
import { parseCommandArgs, positiveInt } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

const USAGE = `usage: golden token --role <${ROLE_NAMES.join('|')}> --tenant <tenant> [--subject <actor>] [--ttl <seconds>]

Mints a signed API token with the stack's JWT secret (JWT_SECRET) and prints it.
For development and operators holding the secret; production tokens come from your identity provider.`;

export const tokenCommand: Command = {
  name: 'token',
  summary: 'Mint a dev API token for a role and tenant',
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      { role: { type: 'string' }, tenant: { type: 'string' }, subject: { type: 'string' }, ttl: { type: 'string' } },
      USAGE,
    );
    if (values.help) return void console.log(USAGE);
    const claims = TokenClaims.safeParse({ sub: values.subject ?? `cli-${values.role ?? 'user'}`, tenant: values.tenant, role: values.role });
    if (!claims.success) {
      throw new CliError(`${describeZodError(claims.error).replace(/\bsub\b/, 'subject')}\n\n${USAGE}`);
    }
    const config = loadConfigSubset(['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE']);
    console.log(await signToken(config, claims.data, positiveInt(values.ttl, 'ttl', 3600)));
  },
};
