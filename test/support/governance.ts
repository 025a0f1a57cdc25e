import type { AgentRole } from '../../domain/agent-roles.js';
import type { Db } from '../../lib/db.js';

/**
 * Gives a role a clean slate for a test: no update applied today, no
 * cooldown running, nothing open. Governance is global per role, so tests
 * that exercise it start from here (test files run one at a time).
 */
export async function resetRole(db: Db, role: AgentRole): Promise<void> {
  await db.query(
    `UPDATE prompt_updates SET applied_at = applied_at - interval '3 days', created_at = created_at - interval '3 days'
     WHERE agent_role = $1 AND applied_at > now() - interval '3 days'`,
    [role],
  );
  await db.query(`UPDATE prompt_updates SET status = 'expired', updated_at = now() WHERE agent_role = $1 AND status IN ('proposed', 'pending_approval', 'approved')`, [role]);
  await db.query('UPDATE learning_governance SET last_update_at = NULL WHERE agent_role = $1', [role]);
}

/** Moves the role's last update back, as if `seconds` had passed since it (the runbook's cooldown reset, finer). */
export async function ageLastUpdate(db: Db, role: AgentRole, seconds: number): Promise<void> {
  await db.query('UPDATE learning_governance SET last_update_at = now() - make_interval(secs => $2) WHERE agent_role = $1', [role, seconds]);
}
