import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

/** A mistake in how the command was called (exit 2), as opposed to a failure of what it asked for (exit 1). */
export class UsageError extends CliError {}

export type OptionValues = Record<string, string | boolean | undefined>;

/** One `golden <group> <sub>`: its options (besides --token and --help), whether it takes an id, and what it does. */
export interface Subcommand {
  options?: Record<string, { type: 'string' | 'boolean' }>;
  /** What the one positional argument names ("escalation id"); without it the subcommand takes none. */
  id?: string;
  run(call: { values: OptionValues; id: string; token: string | undefined }): Promise<void>;
}

/**
 * Dispatches `golden <group> <sub> …`: help, unknown subcommands, option
 * parsing, the id argument and --token are handled here once, so each
 * subcommand is only what it does. Every mistake names itself and shows the
 * usage.
 */
export async function runSubcommand(group: string, usage: string, subcommands: Record<string, Subcommand>, args: string[]): Promise<void> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return void console.log(usage);
  const sub = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!sub) throw new UsageError(`unknown subcommand "${group} ${name}"\n\n${usage}`);
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...sub.options, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
  if (parsed.values.help) return void console.log(usage);
  const [id, ...extra] = parsed.positionals;
  if (sub.id === undefined && id !== undefined) throw new UsageError(`golden ${group} ${name} takes no arguments, got "${parsed.positionals.join(' ')}"\n\n${usage}`);
  if (sub.id !== undefined && (id === undefined || id === '')) throw new UsageError(`golden ${group} ${name} needs the ${sub.id}\n\n${usage}`);
  if (extra.length > 0) throw new UsageError(`golden ${group} ${name} takes one ${sub.id}; unexpected: ${extra.join(' ')}\n\n${usage}`);
  await sub.run({ values: parsed.values, id: id ?? '', token: parsed.values.token as string | undefined });
}

/** A string option's value, or undefined when it was not given. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredString(values: OptionValues, name: string, usage: string): string {
  const v = stringOption(values, name);
  if (v === undefined || v.trim() === '') throw new UsageError(`missing --${name}\n\n${usage}`);
  return v;
}

/** An option that must be one of a fixed set, checked here so the mistake is named before any call. */
export function choiceOption<T extends string>(values: OptionValues, name: string, allowed: readonly T[]): T | undefined {
  const v = stringOption(values, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

/** --limit as the list routes take it: a whole number from 1 to max. */
export function limitOption(values: OptionValues, max = 500): number | undefined {
  const v = stringOption(values, 'limit');
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--limit must be a whole number from 1 to ${max}, got "${v}"`);
  return Number(v);
}

/** `?a=1&b=2` from the given parameters (undefined ones left out), or '' when there are none. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  return query.size > 0 ? `?${query}` : '';
}

/** An id as one URL path segment. */
export const pathId = (id: string) => encodeURIComponent(id);
