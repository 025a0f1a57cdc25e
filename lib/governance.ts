import type { AgentRole } from '../domain/agent-roles.js';
import type { PromptUpdateProposal, PromptUpdateState, PromptUpdateStatus } from '../domain/governance.js';
import type { Db } from './db.js';

/** A prompt update id that does not exist. */
export class PromptUpdateNotFoundError extends Error {
  override readonly name = 'PromptUpdateNotFoundError';
}

/** A decision the update's state does not allow (approving a rejected or expired update…). */
export class PromptUpdateStateError extends Error {
  override readonly name = 'PromptUpdateStateError';
}

/** An update id reused for a different proposal. */
export class PromptUpdateConflictError extends Error {
  override readonly name = 'PromptUpdateConflictError';
}

/** A rollback with no earlier version to go back to. */
export class NoEarlierPromptError extends Error {
  override readonly name = 'NoEarlierPromptError';
}

// The SQL functions raise with these codes; each becomes our own error with the database's words.
function translate(err: unknown): never {
  const e = err as { code?: string; message?: string };
  if (e.code === 'P0002') throw new PromptUpdateNotFoundError(e.message);
  if (e.code === '23505') throw new PromptUpdateConflictError(e.message);
  if (e.code === '55000') {
    if (/no earlier prompt version/.test(e.message ?? '')) throw new NoEarlierPromptError(e.message);
    throw new PromptUpdateStateError(e.message);
  }
  throw err;
}

interface StateRow {
  status: PromptUpdateStatus;
  applied_version: number | null;
  expires_at: Date;
}

const toState = (row: StateRow): PromptUpdateState & { expiresAt: string } => ({
  status: row.status,
  appliedVersion: row.applied_version,
  expiresAt: row.expires_at.toISOString(),
});

/** Records a proposal and lets the database decide it at once. Idempotent per update id. */
export async function proposePromptUpdate(db: Db, p: PromptUpdateProposal, ttlSeconds: number) {
  const { rows } = await db
    .query<StateRow & { replayed: boolean }>('SELECT * FROM propose_prompt_update($1, $2, $3, $4, $5, $6, make_interval(secs => $7))', [
      p.updateId, p.agentRole, p.body, p.reason, p.source, p.proposedBy, ttlSeconds,
    ])
    .catch(translate);
  return { ...toState(rows[0]!), replayed: rows[0]!.replayed };
}

export async function recheckPromptUpdate(db: Db, updateId: string) {
  const { rows } = await db.query<StateRow>('SELECT * FROM recheck_prompt_update($1)', [updateId]).catch(translate);
  return toState(rows[0]!);
}

export async function decidePromptUpdate(db: Db, updateId: string, decision: 'approve' | 'reject', actor: string, comment?: string): Promise<PromptUpdateStatus> {
  const fn = decision === 'approve' ? 'approve_prompt_update' : 'reject_prompt_update';
  const { rows } = await db.query<{ status: PromptUpdateStatus }>(`SELECT ${fn}($1, $2, $3) AS status`, [updateId, actor, comment ?? null]).catch(translate);
  return rows[0]!.status;
}

export async function rollbackPrompt(db: Db, role: AgentRole, actor: string): Promise<number> {
  const { rows } = await db.query<{ version: number }>('SELECT rollback_prompt($1, $2) AS version', [role, actor]).catch(translate);
  return rows[0]!.version;
}

export interface ActivePrompt {
  role: AgentRole;
  version: number;
  body: string;
}

/** The prompt agents of a role use now. */
export async function activePrompt(db: Db, role: AgentRole): Promise<ActivePrompt> {
  const { rows } = await db.query<{ version: number; body: string }>(
    { name: 'active_prompt', text: 'SELECT p.version, p.body FROM agent_prompt_in_use i JOIN agent_prompts p USING (agent_role, version) WHERE i.agent_role = $1', values: [role] },
  );
  const row = rows[0];
  if (!row) throw new Error(`no prompt is in use for agent role ${role}: is migration 003 applied?`);
  return { role, version: row.version, body: row.body };
}

export interface GovernanceStatusRow {
  agentRole: AgentRole;
  updatesToday: number;
  maxUpdatesPerDay: number;
  cooldownSeconds: number;
  cooldownRemainingSeconds: number;
  requiresApproval: boolean;
  canAutoUpdate: boolean;
  pendingApprovals: number;
  waitingForRules: number;
  promptVersion: number;
  lastUpdateAt: string | null;
}

export async function governanceStatus(db: Db): Promise<GovernanceStatusRow[]> {
  const { rows } = await db.query(
    `SELECT agent_role, updates_today, max_updates_per_day, extract(epoch FROM cooldown)::int AS cooldown_s,
            ceil(extract(epoch FROM cooldown_remaining))::int AS cooldown_remaining_s, requires_approval, can_auto_update,
            pending_approvals::int, waiting_for_rules::int, prompt_version, last_update_at
     FROM governance_status`,
  );
  return rows.map((r) => ({
    agentRole: r.agent_role,
    updatesToday: r.updates_today,
    maxUpdatesPerDay: r.max_updates_per_day,
    cooldownSeconds: r.cooldown_s,
    cooldownRemainingSeconds: r.cooldown_remaining_s,
    requiresApproval: r.requires_approval,
    canAutoUpdate: r.can_auto_update,
    pendingApprovals: r.pending_approvals,
    waitingForRules: r.waiting_for_rules,
    promptVersion: r.prompt_version,
    lastUpdateAt: r.last_update_at ? (r.last_update_at as Date).toISOString() : null,
  }));
}

export interface PromptUpdateRow {
  id: string;
  agentRole: AgentRole;
  status: PromptUpdateStatus;
  /** The proposed prompt text, for a diff against the version it was based on. */
  body: string;
  reason: string;
  source: string;
  proposedBy: string;
  baseVersion: number;
  appliedVersion: number | null;
  decidedBy: string | null;
  decisionComment: string | null;
  createdAt: string;
  expiresAt: string;
}

export async function listPromptUpdates(
  db: Db,
  filter: { id?: string; statuses?: readonly PromptUpdateStatus[]; role?: AgentRole; limit?: number } = {},
): Promise<PromptUpdateRow[]> {
  const { rows } = await db.query(
    `SELECT id, agent_role, status, body, reason, source, proposed_by, base_version, applied_version, decided_by, decision_comment, created_at, expires_at
     FROM prompt_updates
     WHERE ($1::text[] IS NULL OR status = ANY($1)) AND ($2::text IS NULL OR agent_role = $2) AND ($4::text IS NULL OR id = $4)
     ORDER BY created_at DESC LIMIT $3`,
    [filter.statuses ?? null, filter.role ?? null, filter.limit ?? 50, filter.id ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    agentRole: r.agent_role,
    status: r.status,
    body: r.body,
    reason: r.reason,
    source: r.source,
    proposedBy: r.proposed_by,
    baseVersion: r.base_version,
    appliedVersion: r.applied_version,
    decidedBy: r.decided_by,
    decisionComment: r.decision_comment,
    createdAt: (r.created_at as Date).toISOString(),
    expiresAt: (r.expires_at as Date).toISOString(),
  }));
}

/** Pending approvals per role, read from Postgres when scraped so every process agrees. */
export async function pendingApprovals(db: Db): Promise<Array<{ agentRole: AgentRole; pending: number; oldestSeconds: number }>> {
  const { rows } = await db.query<{ agent_role: AgentRole; pending: string; oldest_s: number }>(
    'SELECT agent_role, pending, extract(epoch FROM now() - oldest_pending_since)::int AS oldest_s FROM get_pending_approvals_count()',
  );
  return rows.map((r) => ({ agentRole: r.agent_role, pending: Number(r.pending), oldestSeconds: r.oldest_s }));
}
