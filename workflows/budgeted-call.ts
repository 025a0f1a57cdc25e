import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { budgetRequestId, callReservation, type BudgetedRole } from '../domain/budget.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';

const budget = proxyActivities<Activities>(ACTIVITY_KINDS.records);

/**
 * Runs one LLM call inside its budget: reserve its maximum first (a denial
 * fails before any token is spent), let each attempt commit its usage, and
 * give back whatever is still held however the call ends — cancellation
 * included. The request id is this workflow's id + `step`, so a retried
 * reservation is never charged twice.
 */
export async function budgetedCall<T>(tenantId: string, step: string, role: BudgetedRole, call: (requestId: string) => Promise<T>): Promise<T> {
  const requestId = budgetRequestId(workflowInfo().workflowId, step);
  try {
    // Inside the try: a cancellation while reserving may leave a hold that only the release gives back.
    await budget.reserveBudget({ requestId, tenantId, amount: callReservation(role) });
    return await call(requestId);
  } finally {
    // Also when the workflow is being cancelled: the hold must not outlive the call.
    await CancellationScope.nonCancellable(() => budget.releaseBudget({ requestId }));
  }
}
