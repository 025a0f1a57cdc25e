import { SUPERVISOR_ACTIONS, type SupervisorAction } from '../../domain/llm/answer-schemas.js';

/**
 * Directives in a task's text that steer the scripted stand-in through the
 * task pipeline's paths offline. Honoured only by the stand-in; a real model
 * sees them as part of the task like any other text. An unknown value is an
 * error naming the known ones, never a silent default.
 */

export const DEVELOP_DIRECTIVES = ['no-tests', 'failing-tests'] as const;
export type DevelopDirective = (typeof DEVELOP_DIRECTIVES)[number];

export const SECURITY_DIRECTIVES = ['reject-once', 'reject'] as const;
export type SecurityDirective = (typeof SECURITY_DIRECTIVES)[number];

export interface SupervisorDirective {
  action: SupervisorAction;
  confidence: number;
}

/** What the supervisor answers when the task does not say. */
export const DEFAULT_SUPERVISOR: SupervisorDirective = Object.freeze({ action: 'accept', confidence: 0.9 });

function valueOf(text: string, name: string): string | undefined {
  return new RegExp(`scripted-${name}:[ \\t]*([^\\s,;]+)`, 'i').exec(text)?.[1]?.toLowerCase();
}

function oneOf<T extends string>(name: string, value: string, known: readonly T[]): T {
  if (!(known as readonly string[]).includes(value)) throw new RangeError(`unknown scripted-${name} value "${value}"; known: ${known.join(', ')}`);
  return value as T;
}

/** `scripted-develop: no-tests | failing-tests`: how the developer's first answer falls short. */
export function developDirectiveOf(text: string): DevelopDirective | undefined {
  const value = valueOf(text, 'develop');
  return value === undefined ? undefined : oneOf('develop', value, DEVELOP_DIRECTIVES);
}

/** `scripted-security: reject-once | reject`: whether the security agent approves. */
export function securityDirectiveOf(text: string): SecurityDirective | undefined {
  const value = valueOf(text, 'security');
  return value === undefined ? undefined : oneOf('security', value, SECURITY_DIRECTIVES);
}

/** `scripted-supervisor: <action> <confidence>`: the supervisor's first action and its confidence (0..1). */
export function supervisorDirectiveOf(text: string): SupervisorDirective {
  const match = /scripted-supervisor:[ \t]*([^\s,;]+)(?:[ \t]+([^\s,;]+))?/i.exec(text);
  if (!match) return DEFAULT_SUPERVISOR;
  const action = oneOf('supervisor', match[1]!.toLowerCase(), SUPERVISOR_ACTIONS);
  if (match[2] === undefined) return { action, confidence: DEFAULT_SUPERVISOR.confidence };
  const confidence = Number(match[2]);
  if (!/^\d+(\.\d+)?$/.test(match[2]) || !(confidence >= 0 && confidence <= 1)) {
    throw new RangeError(`scripted-supervisor confidence "${match[2]}" must be a number from 0 to 1`);
  }
  return { action, confidence };
}
