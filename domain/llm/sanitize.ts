/**
 * Defence in depth for strings an LLM produced that later reach a path, an
 * HTML page, a log or a command line. These are a second fence, not the
 * first: SQL stays parameterized, commands stay argv arrays without a shell,
 * and file access is resolved and checked inside the sandbox root by the
 * adapter that does the I/O.
 */

export const MAX_RELATIVE_PATH_LENGTH = 200;
export const MAX_ARGV_TOKEN_LENGTH = 200;

export type SafePathResult = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

// C0 controls (NUL included), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Normalizes a path relative to a workspace (`a/./b//c` → `a/b/c`, `a/../b` → `b`)
 * and refuses anything that is absolute, leaves the workspace, or could be
 * read differently by another OS or tool: NUL and other controls,
 * backslashes, drive letters, `~`, over-long paths.
 */
export function safeRelativePath(p: string, maxLength = MAX_RELATIVE_PATH_LENGTH): SafePathResult {
  if (typeof p !== 'string' || p.length === 0) return { ok: false, reason: 'empty path' };
  if (p.length > maxLength) return { ok: false, reason: `longer than ${maxLength} characters` };
  if (CONTROL_CHARS.test(p)) return { ok: false, reason: 'contains a control character' };
  if (p.includes('\\')) return { ok: false, reason: 'contains a backslash' };
  if (/^[A-Za-z]:/.test(p)) return { ok: false, reason: 'has a drive letter' };
  if (p.startsWith('/')) return { ok: false, reason: 'is absolute' };
  if (p.startsWith('~')) return { ok: false, reason: 'starts with "~"' };
  const parts: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return { ok: false, reason: 'escapes the workspace with ".."' };
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  if (parts.length === 0) return { ok: false, reason: 'names the workspace itself, not a file' };
  return { ok: true, path: parts.join('/') };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// Controls except \t (09) and \n (0a), plus the bidirectional overrides and
// isolates that make text display differently from what it is ("Trojan Source").
// eslint-disable-next-line no-control-regex
const STRIPPED_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes control characters (keeping newline and tab) and bidi overrides. */
export function stripControlChars(s: string): string {
  return s.replace(STRIPPED_CHARS, '');
}

// Letters, digits and a few punctuation marks no shell treats specially;
// the first character may not be "-", so the token is never read as an option.
const ARGV_TOKEN = /^[A-Za-z0-9_.@][A-Za-z0-9_.@:,+=/-]*$/;

/**
 * Whether an identifier (package, branch, test name…) may be passed as one
 * argv element: no leading "-", no whitespace, quotes, `$`, backticks, `;`,
 * `|`, `&`, redirections, globs or NUL.
 */
export function isSafeArgvToken(s: string): boolean {
  return typeof s === 'string' && s.length > 0 && s.length <= MAX_ARGV_TOKEN_LENGTH && ARGV_TOKEN.test(s);
}
