/**
 * The screen's fast path for plain ASCII text, which is most code. One pass
 * over the raw text reads it the way `normalizeText` would leave it, without
 * building that text: it finds the rule trigger literals present and whether
 * a run long enough to be base64 or hex exists. When neither a trigger set
 * that satisfies some rule nor such a run turns up, screening that text
 * finds nothing, and the costly normalization, the rule patterns and the
 * decoder need not run at all.
 *
 * Anything the pass does not model exactly gives up (undefined): non-ASCII
 * characters (NFKC, zero-width, confusables) and dotted letter-splitting
 * ("i.g.n.o.r.e"). The caller then takes the full path.
 */
import type { LiteralMatcher } from './literal-matcher.js';

export interface PlainScan {
  /** One slot per literal of the matcher: 1 if it occurs in the normalized text. */
  readonly found: Uint8Array;
  /** A run of 24+ base64/hex characters exists: the decoder has to look. */
  readonly encodedCandidate: boolean;
}

// Shortest base64 run `findEncodedSegments` considers; a hex run (32+) is a base64-alphabet run too.
const MIN_ENCODED_RUN = 24;
// "a.b.c.d": four letters joined by single separators is where normalizeText
// starts removing the separators; seven alternating characters.
const DOTTED_SPLIT_LENGTH = 7;

// Kinds of ASCII characters as `normalizeText`'s patterns see them, in the
// bits above the matcher's character class (which fits in 8 bits).
const WHITESPACE = 1 << 8; // JavaScript's \s
const SPACE_OR_TAB = 1 << 9;
const BASE64 = 1 << 10;
const LETTER = 1 << 11;
const DOT_SEPARATOR = 1 << 12;
const CLASS_MASK = 0xff;

function kindsOf(c: number): number {
  const ch = String.fromCharCode(c);
  let kind = 0;
  if (/\s/.test(ch)) kind |= WHITESPACE;
  if (ch === ' ' || ch === '\t') kind |= SPACE_OR_TAB;
  if (/[A-Za-z0-9+/_-]/.test(ch)) kind |= BASE64;
  if (/[A-Za-z]/.test(ch)) kind |= LETTER;
  if (/[.\-_*]/.test(ch)) kind |= DOT_SEPARATOR;
  return kind;
}

/** Per ASCII code: its kinds and its class in the matcher, one lookup per character. */
const tables = new WeakMap<LiteralMatcher, Uint16Array>();

function tableFor(matcher: LiteralMatcher): Uint16Array {
  let table = tables.get(matcher);
  if (table === undefined) {
    if (matcher.width > CLASS_MASK + 1) throw new Error('matcher has too many character classes for the plain scan');
    table = Uint16Array.from({ length: 128 }, (_, c) => kindsOf(c) | (matcher.classOf[c] as number));
    tables.set(matcher, table);
  }
  return table;
}

function isSpace(table: Uint16Array, text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && ((table[c] as number) & WHITESPACE) !== 0;
}

/**
 * Whether the space or tab at `i` sits between two one-character tokens
 * ("x = y", "i g n o r e"): `normalizeText` glues such runs, removing it.
 */
function isGlued(table: Uint16Array, text: string, i: number): boolean {
  return i >= 1 && i + 1 < text.length
    && !isSpace(table, text, i - 1) && !isSpace(table, text, i + 1)
    && (i < 2 || isSpace(table, text, i - 2))
    && (i + 2 >= text.length || isSpace(table, text, i + 2));
}

export function scanPlainAscii(raw: string, matcher: LiteralMatcher): PlainScan | undefined {
  const table = tableFor(matcher);
  const { width, next, endStart, endList } = matcher;
  const found = new Uint8Array(matcher.literals.length);
  let state = 0;
  let encodedRun = 0;
  let encodedCandidate = false;
  // Length of the text's tail alternating letter, separator, letter…
  let dotted = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x80) return undefined;
    const kind = table[c] as number;
    if ((kind & SPACE_OR_TAB) !== 0 && isGlued(table, raw, i)) continue;

    if ((kind & BASE64) === 0) encodedRun = 0;
    else if (++encodedRun >= MIN_ENCODED_RUN) encodedCandidate = true;

    if ((kind & LETTER) !== 0) dotted = dotted > 0 && dotted % 2 === 0 ? dotted + 1 : 1;
    else if ((kind & DOT_SEPARATOR) !== 0) dotted = dotted % 2 === 1 ? dotted + 1 : 0;
    else dotted = 0;
    if (dotted >= DOTTED_SPLIT_LENGTH) return undefined;

    state = next[state * width + (kind & CLASS_MASK)] as number;
    for (let e = endStart[state] as number, end = endStart[state + 1] as number; e < end; e++) found[endList[e] as number] = 1;
  }
  return { found, encodedCandidate };
}
