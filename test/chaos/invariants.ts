import type Docker from 'dockerode';
import { verifyAuditChain } from '../../api/audit-chain.js';
import { SANDBOX_LABELS } from '../../domain/sandbox.js';
import { TERMINAL_TASK_STATUSES } from '../../domain/task-status.js';
import type { Db } from '../../lib/db.js';

/** Where each task of a scenario ended. */
export interface TaskOutcomes {
  completed: string[];
  /** Parked: status dead_lettered with an open dlq_messages record. */
  deadLettered: string[];
  /** Ended otherwise (failed, cancelled, discarded): not lost, but not an outcome chaos may cause. */
  otherTerminal: string[];
  /** Acknowledged by the API but neither ended nor parked: still running, parked without a record, or no row at all. */
  lost: string[];
}

export async function taskOutcomes(db: Db, tenantId: string, acknowledged: readonly string[]): Promise<TaskOutcomes> {
  const { rows } = await db.query<{ id: string; status: string; parked: boolean }>(
    `SELECT t.id, t.status,
            EXISTS (SELECT 1 FROM dlq_messages d WHERE d.task_id = t.id AND NOT d.resolved) AS parked
     FROM tasks t WHERE t.tenant_id = $1`,
    [tenantId],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: TaskOutcomes = { completed: [], deadLettered: [], otherTerminal: [], lost: [] };
  for (const id of acknowledged) {
    const row = byId.get(id);
    if (row?.status === 'completed') out.completed.push(id);
    else if (row?.status === 'dead_lettered' && row.parked) out.deadLettered.push(id);
    else if (row && TERMINAL_TASK_STATUSES.has(row.status as never)) out.otherTerminal.push(`${id} (${row.status})`);
    else out.lost.push(`${id} (${row?.status ?? 'no row'})`);
  }
  return out;
}

export function settled(o: TaskOutcomes): boolean {
  return o.lost.length === 0;
}

/** Breaches of "exactly one charge per attempt key", one line each, naming the ids. */
export async function ledgerViolations(db: Db, tenantId: string): Promise<{ doubleCharges: string[]; uncharged: string[]; heldForFinished: string[] }> {
  // A call's consumed total must be its attempts' rows: more means some attempt was counted twice.
  const { rows: requests } = await db.query<{ request_id: string; consumed: string; used: string }>(
    `SELECT r.request_id, r.consumed, coalesce(sum(u.tokens), 0) AS used
     FROM budget_reservations r LEFT JOIN budget_usage u USING (request_id)
     WHERE r.tenant_id = $1 GROUP BY r.request_id, r.consumed HAVING r.consumed <> coalesce(sum(u.tokens), 0)`,
    [tenantId],
  );
  // The tenant's counters against the rows (the ledger's own consistency view).
  const { rows: drift } = await db.query<{ counter: string; recorded: string; expected: string }>(
    'SELECT counter, recorded, expected FROM budget_inconsistencies WHERE tenant_id = $1 AND recorded <> expected',
    [tenantId],
  );
  // Every recorded LLM answer was charged, under its own key, for what it used.
  const { rows: calls } = await db.query<{ request_id: string; usage_attempt: number; tokens: string | null; used: number }>(
    `SELECT c.request_id, c.usage_attempt, u.tokens, c.prompt_tokens + c.completion_tokens AS used
     FROM llm_calls c LEFT JOIN budget_usage u ON u.request_id = c.request_id AND u.attempt = c.usage_attempt
     WHERE c.tenant_id = $1 AND (u.tokens IS NULL OR u.tokens <> c.prompt_tokens + c.completion_tokens)`,
    [tenantId],
  );
  const { rows: held } = await db.query<{ request_id: string; status: string }>(
    `SELECT r.request_id, t.status FROM budget_reservations r JOIN tasks t ON r.request_id LIKE t.workflow_id || '/%'
     WHERE t.tenant_id = $1 AND r.state = 'reserved' AND t.status = ANY($2)`,
    [tenantId, [...TERMINAL_TASK_STATUSES]],
  );
  return {
    doubleCharges: [
      ...requests.map((r) => `${r.request_id}: consumed ${r.consumed}, attempts' rows sum to ${r.used}`),
      ...drift.map((d) => `tenant counter ${d.counter} is ${d.recorded}, the rows say ${d.expected}`),
      ...calls.filter((c) => c.tokens !== null).map((c) => `${c.request_id} attempt ${c.usage_attempt}: charged ${c.tokens}, the call used ${c.used}`),
    ],
    uncharged: calls.filter((c) => c.tokens === null).map((c) => `${c.request_id} attempt ${c.usage_attempt}: recorded, never charged`),
    heldForFinished: held.map((h) => `${h.request_id} still holds its reservation (task ${h.status})`),
  };
}

/** Sandbox containers (by their label) still in the engine. */
export async function sandboxContainers(docker: Docker): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABELS.marker] } });
  return list.map((c) => `${c.Id.slice(0, 12)} ${c.State} ${c.Labels?.[SANDBOX_LABELS.runId] ?? ''}`.trim());
}

/** The audit trail verifies, and every task the API acknowledged has its `task:create` entry. */
export async function auditProblems(db: Db, acknowledged: readonly string[]): Promise<string[]> {
  const report = await verifyAuditChain(db);
  const { rows } = await db.query<{ resource: string }>("SELECT DISTINCT resource FROM audit_log WHERE action = 'task:create' AND resource = ANY($1)", [
    acknowledged.map((id) => `task/${id}`),
  ]);
  const present = new Set(rows.map((r) => r.resource));
  return [...report.problems, ...acknowledged.filter((id) => !present.has(`task/${id}`)).map((id) => `task:create of ${id} acknowledged but not in the audit trail`)];
}
