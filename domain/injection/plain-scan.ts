/**
 * The screen's fast path for plain ASCII text, which is most code. One pass
 * over the raw text reads it the way `normalizeText` would leave it, without
 * building that text: it finds the rule trigger literals present and whether
 * a run long enough to be base64 or hex exists. When no rule has all its
 * triggers and no such run turns up, screening that text finds nothing, and
 * the costly normalization, the rule patterns and the decoder need not run.
 *
 * What `normalizeText` does to ASCII, and how the pass follows it:
 * - lowercasing: the matcher ignores case;
 * - whitespace runs shortened, the ends trimmed: whitespace is in no literal
 *   and no base64 run, so how much of it there is does not matter;
 * - single-character tokens glued ("i g n o r e" → "ignore"): the pass skips
 *   exactly the separators that gluing removes, so literals are seen whole;
 * - dotted splitting undone ("i.g.n.o.r.e"): not modelled; the pass gives up
 *   (undefined) where it could apply, and so it does for non-ASCII text
 *   (NFKC, zero-width, confusables). The caller then takes the full path.
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

const LETTER = '[A-Za-z]';
const SEP = String.raw`[.\-_*]`;
const GAP = String.raw`[ \t]?`;

// Dotted splitting needs four letters joined by single separators in the
// glued text; in the raw text a glued space or tab may sit between any two
// of them. This finds every such stretch (and a few harmless others):
// letter, separator, letter, separator, letter, separator, letter. It is
// written to start at a separator and check the first letter by lookbehind
// only once three separators matched, because a pattern that starts with a
// letter begins an attempt at almost every character of code.
const DOTTED_SPLIT = new RegExp(String.raw`${SEP}${GAP}${LETTER}${GAP}${SEP}${GAP}${LETTER}${GAP}${SEP}`
  + String.raw`(?<=${LETTER}${GAP}${SEP}${GAP}${LETTER}${GAP}${SEP}${GAP}${LETTER}${GAP}${SEP})${GAP}${LETTER}`);

// Kinds of ASCII characters as `normalizeText`'s patterns see them, in the
// bits above the matcher's character class (which fits in 8 bits).
const WHITESPACE = 1 << 8; // JavaScript's \s
const SPACE_OR_TAB = 1 << 9;
const BASE64 = 1 << 10;
const CLASS_MASK = 0xff;

function kindsOf(c: number): number {
  const ch = String.fromCharCode(c);
  let kind = 0;
  if (/\s/.test(ch)) kind |= WHITESPACE;
  if (ch === ' ' || ch === '\t') kind |= SPACE_OR_TAB;
  if (/[A-Za-z0-9+/_-]/.test(ch)) kind |= BASE64;
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

// The text as bytes: reading a typed array is much cheaper per character than
// charCodeAt, and encoding ASCII is a native copy. Reused between calls (the
// scan is synchronous and keeps no reference to it once it returns), up to a
// size worth keeping; a larger text gets a buffer of its own.
const encoder = new TextEncoder();
const SHARED_BUFFER_LIMIT = 256 * 1024;
let shared = new Uint8Array(4096);

/** The text's bytes, or undefined when it is not all ASCII (UTF-8 then needs more bytes than characters). */
function asciiBytes(raw: string): Uint8Array | undefined {
  if (shared.length < raw.length && raw.length <= SHARED_BUFFER_LIMIT) {
    shared = new Uint8Array(Math.min(Math.max(raw.length, shared.length * 2), SHARED_BUFFER_LIMIT));
  }
  const view = shared.length >= raw.length ? shared.subarray(0, raw.length) : new Uint8Array(raw.length);
  const { read, written } = encoder.encodeInto(raw, view);
  return read === raw.length && written === raw.length ? view : undefined;
}

export function scanPlainAscii(raw: string, matcher: LiteralMatcher): PlainScan | undefined {
  const text = asciiBytes(raw);
  if (text === undefined || DOTTED_SPLIT.test(raw)) return undefined;
  const table = tableFor(matcher);
  const { width, next, endStart, endList } = matcher;
  const found = new Uint8Array(matcher.literals.length);
  const n = text.length;
  let state = 0;
  let encodedRun = 0;
  let longestEncodedRun = 0;
  // Whether the characters one and two back are whitespace (start of text counts as whitespace).
  let spaceBack1 = true;
  let spaceBack2 = true;
  for (let i = 0; i < n; i++) {
    const kind = table[text[i] as number] as number;
    if ((kind & WHITESPACE) !== 0) {
      // A space or tab between two one-character tokens ("x = y", "i g n o r e"):
      // normalizeText glues the tokens, so the text reads on as if it were absent.
      const glued = (kind & SPACE_OR_TAB) !== 0 && !spaceBack1 && spaceBack2 && i + 1 < n
        && ((table[text[i + 1] as number] as number) & WHITESPACE) === 0
        && (i + 2 >= n || ((table[text[i + 2] as number] as number) & WHITESPACE) !== 0);
      spaceBack2 = spaceBack1;
      spaceBack1 = true;
      if (!glued) {
        // Whitespace is in no literal and no base64 run: both restart.
        state = 0;
        encodedRun = 0;
      }
      continue;
    }
    spaceBack2 = spaceBack1;
    spaceBack1 = false;
    encodedRun = (kind & BASE64) !== 0 ? encodedRun + 1 : 0;
    if (encodedRun > longestEncodedRun) longestEncodedRun = encodedRun;
    const step = next[state * width + (kind & CLASS_MASK)] as number;
    state = step >> 1;
    if ((step & 1) !== 0) {
      for (let e = endStart[state] as number, end = endStart[state + 1] as number; e < end; e++) found[endList[e] as number] = 1;
    }
  }
  return { found, encodedCandidate: longestEncodedRun >= MIN_ENCODED_RUN };
}
