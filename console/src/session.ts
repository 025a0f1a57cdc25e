import { roleHasPermission, USER_ROLES, type Permission, type UserRole } from '../../domain/roles.js';

/** Who is signed in, as the token says. The API checks the signature on every call; the page only reads the claims to hide what the role may not do. */
export interface Session {
  token: string;
  sub: string;
  tenant: string;
  role: UserRole;
  /** Seconds since the epoch; absent when the token has no expiry claim. */
  exp?: number;
}

const STORAGE_KEY = 'golden.console.token';

function decodeSegment(segment: string): unknown {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The claims of a pasted token, or a sentence saying what is wrong with it. */
export function readToken(raw: string): Session | string {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  const parts = token.split('.');
  if (parts.length !== 3) return 'a token has three dot-separated parts; paste the whole output of `golden token`';
  let claims: Record<string, unknown>;
  try {
    claims = decodeSegment(parts[1]!) as Record<string, unknown>;
  } catch {
    return 'the token’s claims are not readable JSON';
  }
  const { sub, tenant, role, exp } = claims;
  if (typeof sub !== 'string' || typeof tenant !== 'string') return 'the token carries no sub or tenant claim';
  if (typeof role !== 'string' || !(USER_ROLES as string[]).includes(role)) return `the token’s role must be one of ${USER_ROLES.join(', ')}`;
  if (typeof exp === 'number' && exp * 1000 <= Date.now()) return 'the token has expired; mint a new one with `golden token`';
  return { token, sub, tenant, role: role as UserRole, exp: typeof exp === 'number' ? exp : undefined };
}

export function can(session: Session, permission: Permission): boolean {
  return roleHasPermission(session.role, permission);
}

/** Kept for the tab only: closing it signs out. */
export function savedSession(): Session | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return undefined;
  const session = readToken(raw);
  return typeof session === 'string' ? undefined : session;
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(STORAGE_KEY, session.token);
  else sessionStorage.removeItem(STORAGE_KEY);
}
