import type { ConsensusResult, ReviewerRole, Vote } from '../domain/consensus.js';
import type { DeveloperSolution } from '../domain/schemas/solution.js';
import type { Db } from './db.js';

export interface SolutionForReview {
  id: string;
  taskId: string;
  tenantId: string;
  solution: DeveloperSolution;
}

export async function getSolution(db: Db, solutionId: string): Promise<SolutionForReview | undefined> {
  const { rows } = await db.query<{ id: string; task_id: string; tenant_id: string; summary: string; files: DeveloperSolution['files']; tests: DeveloperSolution['tests'] }>(
    'SELECT id, task_id, tenant_id, summary, files, tests FROM task_solutions WHERE id = $1',
    [solutionId],
  );
  const row = rows[0];
  return row && { id: row.id, taskId: row.task_id, tenantId: row.tenant_id, solution: { summary: row.summary, files: row.files, tests: row.tests } };
}

export async function saveVote(db: Db, v: { reviewId: string; taskId: string; vote: Vote; provider: string; model: string }): Promise<void> {
  await db.query(
    `INSERT INTO peer_review_votes (review_id, role, task_id, verdict, score, reasons, provider, model)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (review_id, role) DO UPDATE SET verdict = EXCLUDED.verdict, score = EXCLUDED.score, reasons = EXCLUDED.reasons,
       provider = EXCLUDED.provider, model = EXCLUDED.model, created_at = now()`,
    [v.reviewId, v.vote.role, v.taskId, v.vote.verdict, v.vote.score, JSON.stringify(v.vote.reasons), v.provider, v.model],
  );
}

export async function savePeerReview(
  db: Db,
  r: { reviewId: string; taskId: string; tenantId: string; solutionId: string; result: ConsensusResult; explanation: string; consensusMs: number },
): Promise<void> {
  await db.query(
    `INSERT INTO peer_reviews (id, task_id, tenant_id, solution_id, outcome, approve_share, changes_share, reject_share, quality, vetoed_by, explanation, consensus_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO NOTHING`,
    [
      r.reviewId, r.taskId, r.tenantId, r.solutionId, r.result.outcome, r.result.shares.approve, r.result.shares.request_changes,
      r.result.shares.reject, r.result.quality, r.result.vetoedBy, r.explanation, Math.round(r.consensusMs),
    ],
  );
}

export type { ReviewerRole };
