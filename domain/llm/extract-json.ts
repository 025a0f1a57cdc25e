/**
 * Finds the one JSON object an LLM answered with. Models wrap their JSON in
 * prose or in a ```json fence, or answer with bare JSON; all three are
 * accepted. Everything here treats the text as hostile: sizes are capped
 * before parsing, keys that could pollute prototypes when the value is later
 * merged are refused, and an answer holding two different objects is refused
 * rather than guessed at.
 */

export interface ExtractLimits {
  /** Longest text accepted, in UTF-16 code units. */
  readonly maxChars: number;
  /** Deepest nesting of objects and arrays; `{}` is depth 1. */
  readonly maxDepth: number;
  /** Most object keys plus array items, counted over the whole value. */
  readonly maxItems: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = Object.freeze({
  maxChars: 200_000,
  maxDepth: 32,
  maxItems: 10_000,
});

/** Keys that, merged into an ordinary object, reach or replace its prototype. */
export const FORBIDDEN_JSON_KEYS: readonly string[] = Object.freeze(['__proto__', 'constructor', 'prototype']);

export const EXTRACT_FAILURE_REASONS = [
  'not_json',
  'invalid_json',
  'not_object',
  'too_large',
  'too_deep',
  'too_many_items',
  'forbidden_key',
  'multiple_objects',
] as const;
export type ExtractFailureReason = (typeof EXTRACT_FAILURE_REASONS)[number];

export type JsonObject = { [key: string]: unknown };

export type ExtractResult =
  | { readonly ok: true; readonly value: JsonObject }
  | { readonly ok: false; readonly reason: ExtractFailureReason; readonly detail: string };

type Failure = Extract<ExtractResult, { ok: false }>;

function fail(reason: ExtractFailureReason, detail: string): Failure {
  return { ok: false, reason, detail };
}

// A prose `{` that never closes swallows the real object; the scan then
// restarts just after it. Bounded, so a text of 200k `{` stays linear-ish.
const MAX_UNTERMINATED_RESTARTS = 8;
// An LLM answer has a handful of fences or brace spans; more is noise or an attack.
const MAX_CANDIDATES = 64;

interface Span {
  readonly start: number;
  /** Index just past the closing bracket, or -1 if the text ended first. */
  readonly end: number;
  readonly maxDepth: number;
}

/**
 * From an opening `{` or `[` at `start`, finds its matching close, skipping
 * brackets inside strings (with their escapes). Bracket kinds are not
 * matched against each other: a mismatch is left for JSON.parse to refuse.
 */
function scanSpan(text: string, start: number): Span {
  let depth = 0;
  let maxDepth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth === 0) return { start, end: i + 1, maxDepth };
    }
  }
  return { start, end: -1, maxDepth };
}

/** Top-level `{…}` spans in prose; quotes outside a span are prose, not strings. */
function findObjectSpans(text: string): { spans: Span[]; unterminated: Span | undefined } {
  const spans: Span[] = [];
  let unterminated: Span | undefined;
  let restarts = 0;
  let i = text.indexOf('{');
  while (i !== -1 && spans.length < MAX_CANDIDATES) {
    const span = scanSpan(text, i);
    if (span.end === -1) {
      unterminated ??= span;
      if (++restarts > MAX_UNTERMINATED_RESTARTS) break;
      i = text.indexOf('{', i + 1);
    } else {
      spans.push(span);
      i = text.indexOf('{', span.end);
    }
  }
  return { spans, unterminated };
}

// An opening fence with an optional language tag, its body, and the closing fence.
const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;

/** Bodies of fences tagged json (or untagged) that look like an object. */
function jsonFenceBodies(text: string): string[] {
  const bodies: string[] = [];
  for (const match of text.matchAll(FENCE)) {
    const tag = (match[1] ?? '').toLowerCase();
    const body = (match[2] ?? '').trim();
    if ((tag === '' || tag === 'json' || tag === 'jsonc' || tag === 'json5') && body.startsWith('{')) {
      bodies.push(body);
      if (bodies.length >= MAX_CANDIDATES) break;
    }
  }
  return bodies;
}

interface Pending {
  readonly value: unknown;
  readonly depth: number;
  /** The container holding this value and its key there: the path is rebuilt only for an error. */
  readonly parent: Pending | undefined;
  readonly key: string | number;
}

function pathOf(node: Pending): string {
  const parts: string[] = [];
  for (let at: Pending | undefined = node; at?.parent !== undefined; at = at.parent) {
    parts.push(typeof at.key === 'number' ? `[${at.key}]` : `.${at.key}`);
  }
  return `$${parts.reverse().join('')}`;
}

/**
 * Walks the parsed value without recursion: counts keys and items, rechecks
 * depth, and refuses prototype-pollution keys. JSON.parse stores `__proto__`
 * as an own property, so Object.keys sees it.
 */
function checkValue(value: unknown, limits: ExtractLimits): Failure | undefined {
  let items = 0;
  const stack: Pending[] = [{ value, depth: 1, parent: undefined, key: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: node, depth } = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limits.maxDepth) return fail('too_deep', `nesting deeper than ${limits.maxDepth} at ${pathOf(next)}`);
    if (Array.isArray(node)) {
      items += node.length;
      if (items > limits.maxItems) return fail('too_many_items', `more than ${limits.maxItems} keys and items`);
      for (let index = 0; index < node.length; index++) stack.push({ value: node[index], depth: depth + 1, parent: next, key: index });
    } else {
      const keys = Object.keys(node);
      items += keys.length;
      if (items > limits.maxItems) return fail('too_many_items', `more than ${limits.maxItems} keys and items`);
      for (const key of keys) {
        if (FORBIDDEN_JSON_KEYS.includes(key)) return fail('forbidden_key', `forbidden key "${key}" at ${pathOf(next)}.${key}`);
        stack.push({ value: (node as JsonObject)[key], depth: depth + 1, parent: next, key });
      }
    }
  }
  return undefined;
}

/** Deepest nesting of objects and arrays in a parsed value (`{}` is 1), without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: node, depth } = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > deepest) deepest = depth;
    for (const child of Array.isArray(node) ? node : Object.values(node as JsonObject)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return deepest;
}

/**
 * The common case, an answer that is exactly one JSON object, without the
 * character-by-character depth scan: JSON.parse first, then the depth of the
 * value, which for valid JSON equals the textual depth the scan would find
 * (the text is capped at `maxChars`, so a deep value is cheap to build and
 * walk). Same results as `parseCandidate`; undefined when the text does not
 * parse, leaving error reporting to the full path.
 */
function parseWholeObject(trimmed: string, limits: ExtractLimits): Candidate | undefined {
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (depthOf(value) > limits.maxDepth) return fail('too_deep', `nesting deeper than ${limits.maxDepth}`);
  return checkValue(value, limits) ?? { ok: true, value: value as JsonObject };
}

type Candidate = { ok: true; value: JsonObject } | Failure;

/** Parses one span of text that should be a JSON object, within the limits. */
function parseCandidate(source: string, limits: ExtractLimits): Candidate {
  // The textual depth is checked before parsing, so a deeply nested bomb is never built.
  const trimmed = source.trim();
  const opener = trimmed[0];
  if (opener === '{' || opener === '[') {
    const span = scanSpan(trimmed, 0);
    if (span.maxDepth > limits.maxDepth) return fail('too_deep', `nesting deeper than ${limits.maxDepth}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    return fail('invalid_json', err instanceof Error ? err.message : 'unparsable JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('not_object', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const problem = checkValue(value, limits);
  return problem ?? { ok: true, value: value as JsonObject };
}

/**
 * Picks the answer among candidates: one object, or the same object repeated
 * (models sometimes echo it). Limit and key violations are never skipped:
 * a hostile object next to a benign one fails the whole answer.
 */
function choose(candidates: Candidate[]): ExtractResult | undefined {
  const values = new Map<string, JsonObject>();
  let parseFailure: Failure | undefined;
  for (const candidate of candidates) {
    if (candidate.ok) values.set(JSON.stringify(candidate.value), candidate.value);
    else if (candidate.reason === 'invalid_json' || candidate.reason === 'not_object') parseFailure ??= candidate;
    else return candidate;
  }
  if (values.size > 1) return fail('multiple_objects', `found ${values.size} different JSON objects; expected one`);
  const [only] = values.values();
  if (only !== undefined) return { ok: true, value: only };
  return parseFailure;
}

/** Finds and parses the single JSON object in an LLM's answer. Pure; never throws. */
export function extractJson(text: string, limits: Partial<ExtractLimits> = {}): ExtractResult {
  const effective: ExtractLimits = { ...DEFAULT_EXTRACT_LIMITS, ...limits };
  if (typeof text !== 'string') return fail('not_json', 'answer is not text');
  if (text.length > effective.maxChars) {
    return fail('too_large', `answer has ${text.length} characters; at most ${effective.maxChars} allowed`);
  }
  const trimmed = text.trim();
  if (trimmed === '') return fail('not_json', 'answer is empty');

  // 1. Bare JSON: the whole answer is the value (an array or scalar is refused, not searched).
  if (trimmed.startsWith('{')) {
    const whole = parseWholeObject(trimmed, effective);
    if (whole !== undefined) return whole;
  }
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const whole = parseCandidate(trimmed, effective);
    if (whole.ok || whole.reason !== 'invalid_json') return whole;
  }

  // 2. Fenced blocks: the model marked its JSON itself.
  const fenced = choose(jsonFenceBodies(text).map((body) => parseCandidate(body, effective)));
  if (fenced !== undefined) return fenced;

  // 3. Prose around an object: balanced-brace spans anywhere in the text.
  const { spans, unterminated } = findObjectSpans(text);
  const chatty = choose(spans.map((s) => parseCandidate(text.slice(s.start, s.end), effective)));
  if (chatty !== undefined) return chatty;
  if (unterminated !== undefined) {
    if (unterminated.maxDepth > effective.maxDepth) return fail('too_deep', `nesting deeper than ${effective.maxDepth}`);
    return fail('invalid_json', `object starting at character ${unterminated.start} is never closed`);
  }
  return fail('not_json', 'no JSON object found in the answer');
}
