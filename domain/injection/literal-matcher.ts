/**
 * Finds which of a fixed set of short ASCII literals occur in a text, in one
 * pass: an Aho-Corasick automaton compiled to a table, so each character
 * costs one lookup however many literals there are. The injection rules use
 * it to skip every rule whose trigger words are absent; one regex per rule
 * over a whole file was most of the screen's cost.
 *
 * Matching ignores ASCII case. Literals must be ASCII without whitespace:
 * any other character (whitespace, non-ASCII) only ends a partial match, so
 * a literal never spans it.
 */

/** The automaton's tables; `plain-scan.ts` steps through them directly in its own pass. */
export interface LiteralMatcher {
  readonly literals: readonly string[];
  /** Character class of each ASCII code (A-Z share a-z's); 0 for characters in no literal. */
  readonly classOf: Uint8Array;
  /** Number of classes: row width of `next`. */
  readonly width: number;
  /**
   * `next[state * width + class] >> 1` is the state after reading a character
   * of that class; the low bit says some literal ends there, so the scanning
   * loop tests a bit it already has instead of loading `endStart` per character.
   */
  readonly next: Uint16Array;
  /** Literals ending at each state (as indexes into `literals`), or undefined. */
  readonly ends: ReadonlyArray<readonly number[] | undefined>;
  /**
   * The same, flattened for the per-character loop: the literals ending at
   * state s are `endList[endStart[s]]` up to (excluding) `endList[endStart[s + 1]]`.
   */
  readonly endStart: Uint32Array;
  readonly endList: Uint16Array;
}

const WHITESPACE_OR_NON_ASCII = /[\s\u0080-\uFFFF]/;

export function compileLiterals(input: readonly string[]): LiteralMatcher {
  const literals = [...new Set(input.map((l) => l.toLowerCase()))];
  for (const literal of literals) {
    if (literal === '' || WHITESPACE_OR_NON_ASCII.test(literal)) {
      throw new Error(`literal ${JSON.stringify(literal)} must be non-empty ASCII without whitespace`);
    }
  }
  const classOf = new Uint8Array(128);
  let width = 1;
  for (const literal of literals) {
    for (let i = 0; i < literal.length; i++) {
      const c = literal.charCodeAt(i);
      if (classOf[c] === 0) classOf[c] = width++;
    }
  }
  for (let c = 0x41; c <= 0x5a; c++) classOf[c] = classOf[c + 0x20] ?? 0;

  // The trie: goto[state][class] = child, or -1.
  const goto: number[][] = [new Array<number>(width).fill(-1)];
  const ends: (number[] | undefined)[] = [undefined];
  literals.forEach((literal, index) => {
    let state = 0;
    for (let i = 0; i < literal.length; i++) {
      const cls = classOf[literal.charCodeAt(i)] ?? 0;
      const row = goto[state] as number[];
      let child = row[cls] ?? -1;
      if (child === -1) {
        child = goto.length;
        goto.push(new Array<number>(width).fill(-1));
        ends.push(undefined);
        row[cls] = child;
      }
      state = child;
    }
    ends[state] = [...(ends[state] ?? []), index];
  });
  if (goto.length > 0x7fff) throw new Error('too many literals for one matcher');

  // Breadth-first: each state's fallback is the longest proper suffix that is
  // also a trie state; missing moves follow it, and literals ending there end here too.
  const next = new Uint16Array(goto.length * width);
  const fallback = new Array<number>(goto.length).fill(0);
  const queue: number[] = [];
  for (let cls = 0; cls < width; cls++) {
    const child = goto[0]?.[cls] ?? -1;
    next[cls] = child === -1 ? 0 : child;
    if (child !== -1) queue.push(child);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] as number;
    const inherited = ends[fallback[state] as number];
    if (inherited) ends[state] = [...(ends[state] ?? []), ...inherited];
    for (let cls = 0; cls < width; cls++) {
      const child = goto[state]?.[cls] ?? -1;
      const viaFallback = next[(fallback[state] as number) * width + cls] as number;
      if (child === -1) {
        next[state * width + cls] = viaFallback;
      } else {
        next[state * width + cls] = child;
        fallback[child] = viaFallback;
        queue.push(child);
      }
    }
  }
  for (let i = 0; i < next.length; i++) {
    const target = next[i] as number;
    next[i] = (target << 1) | (ends[target] === undefined ? 0 : 1);
  }
  const endStart = new Uint32Array(ends.length + 1);
  ends.forEach((e, state) => { endStart[state + 1] = (endStart[state] as number) + (e?.length ?? 0); });
  const endList = Uint16Array.from(ends.flatMap((e) => e ?? []));
  return { literals, classOf, width, next, ends, endStart, endList };
}

/** Marks in `found` (one slot per literal) every literal that occurs in `text`. */
export function markLiterals(matcher: LiteralMatcher, text: string, found: Uint8Array): void {
  const { classOf, width, next } = matcher;
  let state = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const step = next[state * width + (c < 128 ? (classOf[c] as number) : 0)] as number;
    state = step >> 1;
    if ((step & 1) !== 0) markEnding(matcher, state, found);
  }
}


/** Marks the literals that end at `state`. */
export function markEnding(matcher: LiteralMatcher, state: number, found: Uint8Array): void {
  const { endStart, endList } = matcher;
  for (let e = endStart[state] as number, end = endStart[state + 1] as number; e < end; e++) found[endList[e] as number] = 1;
}
