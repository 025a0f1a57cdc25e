import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMOUS_REQUESTS_PER_MINUTE, PERMISSIONS, ROLES, ROLE_NAMES, roleHasPermission } from '../../domain/roles.js';

describe('roles', () => {
  it('keeps the seed rate limits per role', () => {
    assert.deepEqual(
      Object.fromEntries(ROLE_NAMES.map((r) => [r, ROLES[r].requestsPerMinute])),
      { admin: 100, operator: 50, developer: 30, observer: 20 },
    );
    assert.equal(ANONYMOUS_REQUESTS_PER_MINUTE, 5);
  });

  it('gives admin every permission', () => {
    for (const p of PERMISSIONS) assert.ok(roleHasPermission('admin', p), p);
  });

  it('keeps observers read-only', () => {
    for (const p of ROLES.observer.permissions) assert.match(p, /:read$/);
    assert.equal(roleHasPermission('observer', 'task:create'), false);
  });

  it('lets operators resolve escalations and developers create tasks, not approve prompts', () => {
    assert.ok(roleHasPermission('operator', 'escalation:resolve'));
    assert.ok(roleHasPermission('developer', 'task:create'));
    assert.equal(roleHasPermission('developer', 'prompt:approve'), false);
    assert.equal(roleHasPermission('developer', 'escalation:resolve'), false);
  });

  it('names only known permissions', () => {
    for (const role of ROLE_NAMES) for (const p of ROLES[role].permissions) assert.ok(PERMISSIONS.includes(p), `${role}: ${p}`);
  });
});
