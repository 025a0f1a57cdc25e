import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';

const maintenance = proxyActivities<Activities>(ACTIVITY_KINDS.maintenance);

/** Run by a Temporal Schedule: gives back the holds of calls whose workers died, and starts new budget periods. */
export async function BudgetSweepWorkflow(): Promise<{ expired: number; periodsRolled: number }> {
  return maintenance.expireBudgetReservations();
}

/** Run by a Temporal Schedule: checks every budget counter against the ledger (budget_consistency_violations). */
export async function BudgetReconcileWorkflow(): Promise<{ tenantsChecked: number; violations: number }> {
  return maintenance.reconcileBudgets();
}
