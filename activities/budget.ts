import type { ReserveDecision, ReleaseOutcome } from '../domain/budget.js';
import type { BudgetController } from '../lib/budget/controller.js';
import { BudgetExceededError } from '../lib/budget/errors.js';
import type { Logger } from '../lib/logger.js';
import { asActivityFailure } from './activity-failures.js';

export interface BudgetActivityDeps {
  budget: BudgetController;
  logger?: Pick<Logger, 'error'>;
}

export function createBudgetActivities({ budget, logger }: BudgetActivityDeps) {
  return {
    /**
     * Reserves a call's tokens before it runs. Idempotent on the request id, so
     * Temporal's retries of this activity never reserve twice.
     */
    async reserveBudget(args: { requestId: string; tenantId: string; amount: number }): Promise<ReserveDecision> {
      try {
        const decision = await budget.reserve(args);
        if (!decision.granted) throw new BudgetExceededError(args.tenantId, args.amount, decision.remaining);
        return decision;
      } catch (err) {
        throw asActivityFailure(err);
      }
    },

    /** Gives back what a call still holds; run on success, failure and cancellation alike. */
    async releaseBudget(args: { requestId: string }): Promise<ReleaseOutcome> {
      return budget.release(args.requestId);
    },

    /** Gives back the holds of calls whose workers died; run by the budget sweep schedule. */
    async expireBudgetReservations(): Promise<{ expired: number; periodsRolled: number }> {
      const expired = await budget.expireStale();
      const periodsRolled = await budget.rollPeriods();
      return { expired, periodsRolled };
    },

    /** Compares every counter with the ledger; the result feeds budget_consistency_violations. */
    async reconcileBudgets(): Promise<{ tenantsChecked: number; violations: number }> {
      const { tenantsChecked, violations } = await budget.reconcile();
      if (violations.length > 0) logger?.error({ violations: violations.slice(0, 20) }, 'budget ledger and counters disagree');
      return { tenantsChecked, violations: violations.length };
    },
  };
}
