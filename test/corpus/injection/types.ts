import type { InjectionCategory, Trust } from '../../../domain/injection/screen.js';

export interface InjectionCase {
  readonly id: string;
  readonly category: InjectionCategory;
  readonly field: string;
  readonly text: string;
}

export interface BenignCase {
  readonly id: string;
  readonly category: string;
  readonly field: string;
  readonly text: string;
}

/** Agent answers are screened with dangerous-payload rules on; everything else is untrusted input. */
export function trustOf(field: string): Trust {
  return field.startsWith('answer.') || field.startsWith('agent.') ? 'agent' : 'untrusted';
}

/** Picks the i-th element cyclically (corpus generation is deterministic by index). */
export function pick<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
