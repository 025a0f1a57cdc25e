/**
 * JSON strings may hold what Postgres text and jsonb cannot: the NUL
 * character (refused with an error) and unpaired UTF-16 surrogates (stored as
 * U+FFFD, so the value read back differs from the one sent). Every body and
 * query string is checked before validation, so such input is a 400 naming
 * the field, on every route, instead of a database error or a silently
 * changed value.
 */
export interface UnstorableField {
  field: string;
  message: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemIn(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'must be well-formed Unicode (it has an unpaired surrogate)';
  return undefined;
}

/** The first string (value or object key) under `value` that cannot be stored, with its path from `root`. */
export function findUnstorableText(value: unknown, root: string): UnstorableField | undefined {
  // An explicit stack: a deeply nested body must not overflow the call stack.
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const message = problemIn(current);
      if (message) return { field: path, message };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push({ value: current[i], path: `${path}.${i}` });
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        const keyProblem = problemIn(key);
        if (keyProblem) return { field: `${path} (a key)`, message: keyProblem };
        stack.push({ value: item, path: `${path}.${key}` });
      }
    }
  }
  return undefined;
}
