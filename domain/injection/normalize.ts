/**
 * Text normalization for the injection screen. Pure: no I/O, no Buffer, so
 * it runs inside workflows as well as activities.
 */

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD\u180E]/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;

// Cyrillic and Greek letters that render like Latin ones. Small on purpose:
// only look-alikes an attacker would use to dodge keyword matching.
const CONFUSABLES: Readonly<Record<string, string>> = {
  'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
  'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'һ': 'h', 'ӏ': 'l', 'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g',
  'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X',
  'І': 'I', 'Ј': 'J', 'Ѕ': 'S',
  'α': 'a', 'ο': 'o', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ε': 'e',
  'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P',
  'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
};

export interface NormalizedText {
  /** NFKC, invisible characters removed, confusables folded, lowercased, spacing tricks collapsed. */
  readonly text: string;
  /** As `text` but with case kept: the view base64 segments are decoded from. */
  readonly caseKept: string;
  readonly zeroWidth: number;
  readonly bidi: number;
  /** Words mixing Latin letters with Cyrillic/Greek look-alikes. */
  readonly mixedScriptWords: readonly string[];
}

const LATIN = /\p{Script=Latin}/u;
const WORD = /[\p{L}\p{M}]+/gu;

// Any look-alike at all: without one, nothing is folded and no word is mixed-script.
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`);
const CONFUSABLE_ALL = new RegExp(CONFUSABLE.source, 'g');
// Zero-width or bidi control characters: most text has none, and then four passes are skipped.
const INVISIBLE = new RegExp(`${ZERO_WIDTH.source}|${BIDI.source}`);

function mixedScriptWords(text: string): string[] {
  const found: string[] = [];
  if (!CONFUSABLE.test(text)) return found;
  for (const [word] of text.matchAll(WORD)) {
    if (!LATIN.test(word)) continue;
    if ([...word].some((ch) => ch in CONFUSABLES)) found.push(word);
  }
  return found;
}

function foldConfusables(text: string): string {
  // Every look-alike is one UTF-16 unit, so a character class finds them all.
  return CONFUSABLE.test(text) ? text.replace(CONFUSABLE_ALL, (ch) => CONFUSABLES[ch] ?? ch) : text;
}

// A space or tab with a one-character token on each side: "x = y", "i g n o r e".
// Dropping each such separator is the same as gluing every run of
// single-character tokens, but needs no callback per run and tests the
// assertions only at spaces and tabs.
const GLUED_SEPARATOR = /[ \t](?<=(?:^|\s)\S[ \t])(?=\S(?:\s|$))/g;

/**
 * Undo letter-splitting: "i g n o r e   a l l" becomes "ignore all" and
 * "i.g.n.o.r.e" becomes "ignore". Any run of single characters joined by
 * single spaces is glued, so "x = y" reads "x=y": harmless for matching. Runs on text whose runs of spaces still
 * carry meaning (one space inside a word, several between words).
 */
function collapseSpacing(text: string): string {
  return text
    .replace(GLUED_SEPARATOR, '')
    .replace(/(?<![\p{L}.\-_*])(?:\p{L}[.\-_*]){3,}\p{L}(?![\p{L}.\-_*])/gu, (run) => run.replace(/[.\-_*]/g, ''));
}

// Runs of horizontal space become one space. A lone space is left alone (the
// same result, and most spaces in text are lone ones): only runs that start
// with another space character, or hold two or more, match.
const HORIZONTAL_SPACE_RUN = /[\t\f\v\u00A0][ \t\f\v\u00A0]*| [ \t\f\v\u00A0]+/g;

// Plain ASCII (most code) has nothing to normalize, hide or fold: skip that work.
const NON_ASCII = /[\u0080-\uFFFF]/;

export function normalizeText(raw: string): NormalizedText {
  const ascii = !NON_ASCII.test(raw);
  const nfkc = ascii ? raw : raw.normalize('NFKC');
  // A byte-order mark at the very start is an encoding artefact, not a trick.
  const body = nfkc.startsWith('\uFEFF') ? nfkc.slice(1) : nfkc;
  const invisible = !ascii && INVISIBLE.test(body);
  const zeroWidth = invisible ? (body.match(ZERO_WIDTH) ?? []).length : 0;
  const bidi = invisible ? (body.match(BIDI) ?? []).length : 0;
  const visible = invisible ? body.replace(ZERO_WIDTH, '').replace(BIDI, '') : body;
  const collapsed = collapseSpacing(visible);
  // Checked after collapsing, so "р a y" split letter by letter still counts.
  const mixed = ascii ? [] : mixedScriptWords(collapsed);
  const caseKept = (ascii ? collapsed : foldConfusables(collapsed))
    .replace(HORIZONTAL_SPACE_RUN, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
  return { text: caseKept.toLowerCase(), caseKept, zeroWidth, bidi, mixedScriptWords: mixed };
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Readonly<Record<string, number>> = Object.fromEntries(
  [...B64_ALPHABET].map((ch, i) => [ch, i]),
);

/** Decodes standard or URL-safe base64; undefined when the input is not base64. */
export function decodeBase64(input: string): Uint8Array | undefined {
  const clean = input.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (clean.length % 4 === 1) return undefined;
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B64_INDEX[ch];
    if (v === undefined) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

export function decodeHex(input: string): Uint8Array | undefined {
  if (input.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(input)) return undefined;
  const bytes = new Uint8Array(input.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(input.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Strict UTF-8 decode; undefined for invalid sequences or mostly unprintable text (binary data). */
export function decodeUtf8Text(bytes: Uint8Array): string | undefined {
  let out = '';
  let printable = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    let cp: number;
    let len: number;
    if (b < 0x80) { cp = b; len = 1; }
    else if (b >= 0xc2 && b < 0xe0) { cp = b & 0x1f; len = 2; }
    else if (b >= 0xe0 && b < 0xf0) { cp = b & 0x0f; len = 3; }
    else if (b >= 0xf0 && b < 0xf5) { cp = b & 0x07; len = 4; }
    else return undefined;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (c & 0x3f);
    }
    i += len;
    if (cp === 0x09 || cp === 0x0a || cp === 0x0d || (cp >= 0x20 && cp !== 0x7f)) printable++;
    out += String.fromCodePoint(cp);
  }
  const chars = [...out].length;
  return chars > 0 && printable / chars >= 0.95 ? out : undefined;
}

export interface EncodedSegment {
  readonly encoding: 'base64' | 'hex';
  readonly decoded: string;
}

// Shortest run the base64 pattern below takes; hex needs 32, so it is covered too.
const MIN_ENCODED_RUN = 24;
const BASE64_CHAR = Uint8Array.from({ length: 128 }, (_, c) => (/[A-Za-z0-9+/_-]/.test(String.fromCharCode(c)) ? 1 : 0));

/**
 * Whether some run of base64-alphabet characters is long enough to decode.
 * A plain loop: a regex with a {24} count retries every start inside long
 * identifiers and cost more than the rest of the screen together.
 */
function hasEncodedRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && BASE64_CHAR[c] === 1) {
      if (++run >= MIN_ENCODED_RUN) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

/** Long base64/hex runs in the raw text that decode to readable text. */
export function findEncodedSegments(raw: string): EncodedSegment[] {
  const found: EncodedSegment[] = [];
  if (!hasEncodedRun(raw)) return found;
  for (const [run] of raw.matchAll(/(?:[0-9a-fA-F]{2}){16,}/g)) {
    const text = decodeUtf8Text(decodeHex(run) ?? new Uint8Array());
    if (text !== undefined) found.push({ encoding: 'hex', decoded: text });
  }
  for (const [run] of raw.matchAll(/[A-Za-z0-9+/_-]{24,}={0,2}/g)) {
    if (/^[0-9a-fA-F]+$/.test(run)) continue;
    const bytes = decodeBase64(run);
    const text = bytes && decodeUtf8Text(bytes);
    if (text !== undefined && /[a-z]{3,}/i.test(text)) found.push({ encoding: 'base64', decoded: text });
  }
  return found;
}
