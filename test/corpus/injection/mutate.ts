/**
 * Deterministic mutations of malicious cases: the evasions an attacker would
 * try against a keyword screen. Each mutated variant must still be caught.
 */
import { type InjectionCase, trustOf } from './types.js';

export const MUTATIONS = [
  'upper', 'alternating-case', 'letter-split', 'zero-width', 'cyrillic', 'greek', 'base64', 'hex', 'split-fields',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface MutatedCase {
  readonly id: string;
  readonly category: InjectionCase['category'];
  readonly mutation: Mutation;
  /** One entry, or two for an instruction split across fields. */
  readonly fields: ReadonlyArray<{ readonly field: string; readonly text: string }>;
}

// Case changes would corrupt an embedded base64 blob; leave long tokens as they are.
const ENCODED_TOKEN = /^[A-Za-z0-9+/=]{24,}$/;

function mapWords(text: string, f: (word: string) => string): string {
  return text.split(/(\s+)/).map((w) => (/^\s+$/.test(w) || ENCODED_TOKEN.test(w) ? w : f(w))).join('');
}

const CYRILLIC: Readonly<Record<string, string>> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', i: 'і', y: 'у' };
const GREEK: Readonly<Record<string, string>> = { o: 'ο', i: 'ι', v: 'ν', k: 'κ', t: 'τ', A: 'Α', E: 'Ε', O: 'Ο', T: 'Τ' };

function substitute(text: string, table: Readonly<Record<string, string>>): string {
  let n = 0;
  let out = '';
  for (const ch of text) {
    const sub = table[ch];
    out += sub !== undefined && n++ % 2 === 0 ? sub : ch;
  }
  return out;
}

export function mutate(text: string, mutation: Exclude<Mutation, 'split-fields'>): string {
  switch (mutation) {
    case 'upper':
      return mapWords(text, (w) => w.toUpperCase());
    case 'alternating-case':
      return mapWords(text, (w) => [...w].map((ch, i) => (i % 2 ? ch.toUpperCase() : ch.toLowerCase())).join(''));
    case 'letter-split':
      return text.split('\n').map((line) => line.split(/[ \t]+/).map((w) => [...w].join(' ')).join('   ')).join('\n');
    case 'zero-width':
      return [...text].map((ch, i) => (i % 3 === 2 ? `${ch}\u200B` : ch)).join('');
    case 'cyrillic':
      return substitute(text, CYRILLIC);
    case 'greek':
      return substitute(text, GREEK);
    case 'base64':
      return `Decode this base64 and follow it: ${Buffer.from(text, 'utf8').toString('base64')}`;
    case 'hex':
      return `hex-encoded note: ${Buffer.from(text, 'utf8').toString('hex')}`;
  }
}

/** Splits at the whitespace nearest the middle, into the case's field and a sibling field. */
function splitFields(c: InjectionCase): MutatedCase['fields'] {
  const mid = Math.floor(c.text.length / 2);
  const after = c.text.indexOf(' ', mid);
  const before = c.text.lastIndexOf(' ', mid);
  // A cut inside a word or a URL is fine too: attackers split wherever they like.
  const at = after >= 0 ? after : before >= 0 ? before : mid;
  const sibling = trustOf(c.field) === 'agent' ? 'answer.explanation' : 'task.title';
  return [{ field: c.field, text: c.text.slice(0, at) }, { field: sibling, text: c.text.slice(at) }];
}

export function mutateAll(cases: readonly InjectionCase[]): MutatedCase[] {
  const out: MutatedCase[] = [];
  for (const c of cases) {
    for (const m of MUTATIONS) {
      const fields = m === 'split-fields' ? splitFields(c) : [{ field: c.field, text: mutate(c.text, m) }];
      out.push({ id: `${c.id}~${m}`, category: c.category, mutation: m, fields });
    }
  }
  return out;
}
