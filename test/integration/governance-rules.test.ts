import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AgentRole } from '../../domain/agent-roles.js';
import { createDb, type Db } from '../../lib/db.js';
import {
  NoEarlierPromptError,
  PromptUpdateConflictError,
  PromptUpdateStateError,
  activePrompt,
  decidePromptUpdate,
  governanceStatus,
  proposePromptUpdate,
  recheckPromptUpdate,
  rollbackPrompt,
} from '../../lib/governance.js';
import { ageLastUpdate, resetRole } from '../support/governance.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';

const config = testConfig();
let db: Db;

const HOUR = 3600;
const propose = (role: AgentRole, ttlSeconds = 600, body = `prompt ${uniqueId('body')}`) =>
  proposePromptUpdate(db, { updateId: uniqueId('pu'), agentRole: role, body, reason: 'test', source: 'operator', proposedBy: 'rules-test' }, ttlSeconds);
const canAuto = async (role: AgentRole) => (await db.query<{ ok: boolean }>('SELECT can_auto_update_prompt($1) AS ok', [role])).rows[0]!.ok;

/** The seed's rules, as the migration seeds them. */
const RULES: ReadonlyArray<{ role: AgentRole; perDay: number; cooldownHours: number; approval: boolean }> = [
  { role: 'security', perDay: 1, cooldownHours: 24, approval: true },
  { role: 'developer', perDay: 5, cooldownHours: 2, approval: false },
  { role: 'reviewer', perDay: 3, cooldownHours: 4, approval: false },
  { role: 'architect', perDay: 2, cooldownHours: 12, approval: true },
  { role: 'tester', perDay: 5, cooldownHours: 2, approval: false },
  { role: 'supervisor', perDay: 1, cooldownHours: 24, approval: true },
];

describe('learning governance rules, through the SQL functions', () => {
  before(async () => {
    await requireServices(config, ['postgres']);
    db = createDb({ DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: 24 });
  });
  after(async () => {
    for (const { role } of RULES) await resetRole(db, role);
    await db?.end();
  });
  beforeEach(async () => {
    for (const { role } of RULES) await resetRole(db, role);
  });

  it('are seeded with the seed’s values', async () => {
    const status = await governanceStatus(db);
    for (const rule of RULES) {
      const row = status.find((s) => s.agentRole === rule.role);
      assert.ok(row, rule.role);
      assert.deepEqual(
        [row.maxUpdatesPerDay, row.cooldownSeconds, row.requiresApproval, row.canAutoUpdate],
        [rule.perDay, rule.cooldownHours * HOUR, rule.approval, !rule.approval],
        rule.role,
      );
    }
  });

  for (const rule of RULES.filter((r) => !r.approval)) {
    it(`${rule.role}: auto-applies, then holds updates for the cooldown, then for the daily limit`, async () => {
      const first = await propose(rule.role);
      assert.equal(first.status, 'applied');
      assert.equal((await activePrompt(db, rule.role)).version, first.appliedVersion);
      assert.equal(await canAuto(rule.role), false, 'inside the cooldown');

      const held = await propose(rule.role);
      assert.equal(held.status, 'proposed');
      await ageLastUpdate(db, rule.role, rule.cooldownHours * HOUR - 60);
      assert.equal((await recheckPromptUpdate(db, (await lastId(rule.role))!)).status, 'proposed', 'a minute before the cooldown ends');
      await ageLastUpdate(db, rule.role, rule.cooldownHours * HOUR);
      assert.equal((await recheckPromptUpdate(db, (await lastId(rule.role))!)).status, 'applied', 'once the cooldown has passed');

      for (let n = 2; n < rule.perDay; n += 1) {
        await ageLastUpdate(db, rule.role, rule.cooldownHours * HOUR);
        assert.equal((await propose(rule.role)).status, 'applied', `update ${n + 1} of ${rule.perDay}`);
      }
      await ageLastUpdate(db, rule.role, rule.cooldownHours * HOUR);
      assert.equal(await canAuto(rule.role), false, 'the daily limit is reached');
      const overLimit = await propose(rule.role);
      assert.equal(overLimit.status, 'proposed');
      const [row] = (await governanceStatus(db)).filter((s) => s.agentRole === rule.role);
      assert.equal(row!.updatesToday, rule.perDay);
      assert.equal(row!.waitingForRules, 1);
    });
  }

  for (const rule of RULES.filter((r) => r.approval)) {
    it(`${rule.role}: waits for a human; an approval over the daily limit waits for the rules too`, async () => {
      const first = await propose(rule.role);
      assert.equal(first.status, 'pending_approval');
      assert.equal(await decidePromptUpdate(db, (await lastId(rule.role))!, 'approve', 'admin-user', 'ok'), 'applied');

      for (let n = 1; n < rule.perDay; n += 1) {
        await ageLastUpdate(db, rule.role, rule.cooldownHours * HOUR);
        await propose(rule.role);
        assert.equal(await decidePromptUpdate(db, (await lastId(rule.role))!, 'approve', 'admin-user'), 'applied');
      }
      await ageLastUpdate(db, rule.role, rule.cooldownHours * HOUR);
      await propose(rule.role);
      const id = (await lastId(rule.role))!;
      assert.equal(await decidePromptUpdate(db, id, 'approve', 'admin-user'), 'approved', 'approved, but the day’s limit is used up');
      assert.equal((await recheckPromptUpdate(db, id)).status, 'approved');
    });
  }

  it('rejects are final; decisions on final updates are refused; repeats by the same actor are idempotent', async () => {
    await propose('architect');
    const id = (await lastId('architect'))!;
    assert.equal(await decidePromptUpdate(db, id, 'reject', 'admin-user', 'not now'), 'rejected');
    assert.equal(await decidePromptUpdate(db, id, 'reject', 'admin-user'), 'rejected');
    await assert.rejects(decidePromptUpdate(db, id, 'approve', 'admin-user'), PromptUpdateStateError);
  });

  it('expires an update nobody decided by its deadline', async () => {
    await propose('security', 1);
    const id = (await lastId('security'))!;
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal((await recheckPromptUpdate(db, id)).status, 'expired');
    await assert.rejects(decidePromptUpdate(db, id, 'approve', 'admin-user'), /expired, it cannot be approved/);
  });

  it('refuses an update id reused for another proposal, and replays an identical one', async () => {
    const updateId = uniqueId('pu');
    const p = { updateId, agentRole: 'reviewer' as const, body: 'same', reason: 'r', source: 'operator' as const, proposedBy: 'x' };
    const first = await proposePromptUpdate(db, p, 600);
    const again = await proposePromptUpdate(db, p, 600);
    assert.equal(again.replayed, true);
    assert.equal(again.status, first.status);
    await assert.rejects(proposePromptUpdate(db, { ...p, body: 'different' }, 600), PromptUpdateConflictError);
  });

  it('rolls back to the previous version, and says so when there is none', async () => {
    const before = (await activePrompt(db, 'tester')).version;
    const applied = await propose('tester');
    assert.equal(applied.status, 'applied');
    assert.equal(await rollbackPrompt(db, 'tester', 'ops'), before);
    assert.equal((await activePrompt(db, 'tester')).version, before);
    const { rows } = await db.query('SELECT status FROM prompt_updates WHERE agent_role = $1 AND applied_version = $2', ['tester', applied.appliedVersion]);
    assert.deepEqual(rows, [{ status: 'rolled_back' }]);
    // Roll back all the way to version 1, then once more.
    for (let v = before; v > 1; v -= 1) await rollbackPrompt(db, 'tester', 'ops').catch(() => undefined);
    await assert.rejects(rollbackPrompt(db, 'tester', 'ops'), NoEarlierPromptError);
  });

  it('a race of 20 concurrent proposals never exceeds the daily limit nor lands inside the cooldown', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => propose('developer')));
    const applied = results.filter((r) => r.status === 'applied');
    assert.equal(applied.length, 1, 'one applies; the cooldown holds the rest');
    assert.equal(results.filter((r) => r.status === 'proposed').length, 19);

    // Let the cooldown pass again and again: every recheck races, still one at a time.
    for (let round = 0; round < 6; round += 1) {
      await ageLastUpdate(db, 'developer', 2 * HOUR);
      const ids = (await db.query<{ id: string }>(`SELECT id FROM prompt_updates WHERE agent_role = 'developer' AND status = 'proposed'`)).rows.map((r) => r.id);
      const rechecked = await Promise.all(ids.map((id) => recheckPromptUpdate(db, id)));
      assert.ok(rechecked.filter((r) => r.status === 'applied').length <= 1, `round ${round}`);
    }
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM prompt_updates
       WHERE agent_role = 'developer' AND applied_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    );
    assert.equal(rows[0]!.n, 5, 'exactly the daily limit was applied');
  });
});

async function lastId(role: AgentRole): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM prompt_updates WHERE agent_role = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [role]);
  return rows[0]?.id;
}
