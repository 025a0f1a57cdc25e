import type { Db } from './db.js';

export interface LlmCallRecord {
  requestId: string;
  usageAttempt: number;
  taskId: string;
  tenantId: string;
  step: string;
  role: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  outcome: 'accepted' | 'rejected';
  rejectReason?: string;
  durationMs: number;
}

/** Records one answer round; a repeat of the same (request id, usage attempt) keeps the first record. */
export async function recordLlmCall(db: Db, r: LlmCallRecord): Promise<void> {
  await db.query(
    `INSERT INTO llm_calls (request_id, usage_attempt, task_id, tenant_id, step, agent_role, provider, model,
                            prompt_tokens, completion_tokens, cost_usd, outcome, reject_reason, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (request_id, usage_attempt) DO NOTHING`,
    [
      r.requestId, r.usageAttempt, r.taskId, r.tenantId, r.step, r.role, r.provider, r.model,
      r.promptTokens, r.completionTokens, r.costUsd, r.outcome, r.rejectReason ?? null, Math.round(r.durationMs),
    ],
  );
}

export interface TaskCost {
  calls: number;
  rejectedCalls: number;
  tokens: number;
  /** Sum over priced calls; `unpricedCalls` says how many are not in it. */
  costUsd: number;
  unpricedCalls: number;
}

/** What a task's LLM calls cost so far (all zero before its first call). */
export async function taskCost(db: Db, taskId: string, tenantId: string): Promise<TaskCost> {
  const { rows } = await db.query<{ calls: string; rejected_calls: string; tokens: string | null; cost_usd: string | null; unpriced_calls: string }>(
    'SELECT calls, rejected_calls, tokens, cost_usd, unpriced_calls FROM task_costs WHERE task_id = $1 AND tenant_id = $2',
    [taskId, tenantId],
  );
  const row = rows[0];
  if (!row) return { calls: 0, rejectedCalls: 0, tokens: 0, costUsd: 0, unpricedCalls: 0 };
  return {
    calls: Number(row.calls),
    rejectedCalls: Number(row.rejected_calls),
    tokens: Number(row.tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
    unpricedCalls: Number(row.unpriced_calls),
  };
}
