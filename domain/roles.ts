/**
 * Roles, their permissions and their request rate limits: the one place these
 * facts live. The API, the CLI and the docs read them from here.
 */
export const PERMISSIONS = [
  'task:create',
  'task:read',
  'task:cancel',
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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ONLY: readonly Permission[] = PERMISSIONS.filter((p) => p.endsWith(':read'));

export const ROLES = {
  admin: { requestsPerMinute: 100, permissions: PERMISSIONS },
  operator: {
    requestsPerMinute: 50,
    permissions: [...READ_ONLY, 'task:create', 'task:cancel', 'escalation:resolve', 'dlq:redrive', 'breaker:reset'],
  },
  developer: { requestsPerMinute: 30, permissions: [...READ_ONLY.filter((p) => p !== 'audit:read'), 'task:create', 'prompt:propose'] },
  observer: { requestsPerMinute: 20, permissions: READ_ONLY.filter((p) => p !== 'audit:read') },
} as const satisfies Record<string, { requestsPerMinute: number; permissions: readonly Permission[] }>;

export type RoleName = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as [RoleName, ...RoleName[]];

/** Requests without a valid token are limited harder than any role. */
export const ANONYMOUS_REQUESTS_PER_MINUTE = 5;

export function roleHasPermission(role: RoleName, permission: Permission): boolean {
  return (ROLES[role].permissions as readonly Permission[]).includes(permission);
}
