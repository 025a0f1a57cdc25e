/**
 * User roles (people and systems calling the API), their permissions and
 * their request rate limits: the one place these facts live. The API, the CLI
 * and the docs read them from here. Agent roles (domain/agent-roles.ts) are a
 * different type: a `developer` agent is not a `developer` user.
 */
export const PERMISSIONS = [
  'task:create',
  'task:read',
  'task:cancel',
  // Operator guidance to a running task's developer agent (signal addGuidance).
  'task:guide',
  'escalation:read',
  'escalation:resolve',
  'prompt:read',
  'prompt:propose',
  'prompt:approve',
  'budget:read',
  'budget:manage',
  'dlq:read',
  'dlq:redrive',
  'breaker:read',
  'breaker:reset',
  'audit:read',
  // Decrypting workflow payloads crosses tenants (the codec protocol carries no tenant): admins only.
  'payload:decode',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ONLY: readonly Permission[] = PERMISSIONS.filter((p) => p.endsWith(':read'));

export const ROLES = {
  admin: { requestsPerMinute: 100, permissions: PERMISSIONS },
  operator: {
    requestsPerMinute: 50,
    permissions: [...READ_ONLY, 'task:create', 'task:cancel', 'task:guide', 'escalation:resolve', 'dlq:redrive', 'breaker:reset', 'prompt:propose'],
  },
  // Not prompt:propose: prompts are shared by every tenant's agents, so only staff may change them.
  developer: { requestsPerMinute: 30, permissions: [...READ_ONLY.filter((p) => p !== 'audit:read'), 'task:create'] },
  observer: { requestsPerMinute: 20, permissions: READ_ONLY.filter((p) => p !== 'audit:read') },
} as const satisfies Record<string, { requestsPerMinute: number; permissions: readonly Permission[] }>;

/** A role a token can carry. Not an AgentRole: the two share a word ("developer"), never a meaning. */
export type UserRole = keyof typeof ROLES;
export const USER_ROLES = Object.keys(ROLES) as [UserRole, ...UserRole[]];
/** The names the first API code used for the same two facts. */
export type RoleName = UserRole;
export const ROLE_NAMES = USER_ROLES;

/** A caller without a valid token: no permissions, the tightest limit, counted per source address. */
export const ANONYMOUS = 'anonymous';
export type CallerRole = UserRole | typeof ANONYMOUS;

/** Requests without a valid token are limited harder than any role. */
export const ANONYMOUS_REQUESTS_PER_MINUTE = 5;

/** The window the per-minute limits are counted over. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export function requestsPerMinute(role: CallerRole): number {
  return role === ANONYMOUS ? ANONYMOUS_REQUESTS_PER_MINUTE : ROLES[role].requestsPerMinute;
}

export function roleHasPermission(role: CallerRole, permission: Permission): boolean {
  return role !== ANONYMOUS && (ROLES[role].permissions as readonly Permission[]).includes(permission);
}
