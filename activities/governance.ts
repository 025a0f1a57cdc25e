import { ApplicationFailure, log } from '@temporalio/activity';
import type { PromptUpdateProposal, PromptUpdateState, PromptUpdateStatus, PromptUpdateTiming } from '../domain/governance.js';
import type { Db } from '../lib/db.js';
import {
  PromptUpdateConflictError,
  PromptUpdateNotFoundError,
  PromptUpdateStateError,
  decidePromptUpdate,
  proposePromptUpdate,
  recheckPromptUpdate,
} from '../lib/governance.js';
import type { Metrics } from '../lib/metrics.js';

export interface GovernanceDeps {
  db: Db;
  metrics: Metrics;
  governance: { approvalTtlSeconds: number; warnAfterSeconds: number; recheckSeconds: number };
}

// The database's refusals are permanent: asking again gives the same answer.
function asFailure(err: unknown): unknown {
  if (err instanceof PromptUpdateNotFoundError) return ApplicationFailure.nonRetryable(err.message, 'NotFoundError');
  if (err instanceof PromptUpdateConflictError) return ApplicationFailure.nonRetryable(err.message, 'IdempotencyConflictError');
  if (err instanceof PromptUpdateStateError) return ApplicationFailure.nonRetryable(err.message, 'PromptUpdateStateError');
  return err;
}

export function createGovernanceActivities({ db, metrics, governance }: GovernanceDeps) {
  return {
    /** Records the proposal; the database applies it, holds it for its rules, or waits for a human. */
    async proposePromptUpdate(proposal: PromptUpdateProposal): Promise<PromptUpdateState & PromptUpdateTiming> {
      const state = await proposePromptUpdate(db, proposal, governance.approvalTtlSeconds).catch((err: unknown) => {
        throw asFailure(err);
      });
      return {
        status: state.status,
        appliedVersion: state.appliedVersion,
        expiresAt: state.expiresAt,
        warnAfterSeconds: governance.warnAfterSeconds,
        recheckSeconds: governance.recheckSeconds,
      };
    },

    /** Asks the database again: a psql approval, an ended cooldown or the deadline may have changed things. */
    async recheckPromptUpdate(args: { updateId: string }): Promise<PromptUpdateState> {
      const state = await recheckPromptUpdate(db, args.updateId).catch((err: unknown) => {
        throw asFailure(err);
      });
      return { status: state.status, appliedVersion: state.appliedVersion };
    },

    /** A human's decision, through the same SQL function as the seed's runbook. */
    async decidePromptUpdate(args: { updateId: string; decision: 'approve' | 'reject'; actor: string; comment?: string }): Promise<PromptUpdateStatus> {
      return decidePromptUpdate(db, args.updateId, args.decision, args.actor, args.comment).catch((err: unknown) => {
        throw asFailure(err);
      });
    },

    /** The seed's warning: a learning update has waited for approval longer than it should. */
    async reportOverduePromptApproval(args: { updateId: string; agentRole: string; pendingSeconds: number }): Promise<void> {
      metrics.promptApprovalOverdue.inc({ role: args.agentRole });
      log.warn('prompt update approval pending too long', { updateId: args.updateId, agentRole: args.agentRole, pendingSeconds: args.pendingSeconds });
    },
  };
}
