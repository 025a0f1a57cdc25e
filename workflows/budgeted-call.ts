import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { budgetRequestId, callReservation, type BudgetedRole } from '../domain/budget.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import { waitingActivities, waitingOut } from './durable-wait.js';

const budget = waitingActivities(ACTIVITY_KINDS.records);

/**
 * Runs one LLM call inside its budget: reserve its maximum first (a denial
 * fails before any token is spent), let each attempt commit its usage, and
 * give back whatever is still held however the call ends — cancellation
 * included. The request id is this workflow's id + `step`, so a retried
 * reservation is never charged twice. An open breaker or a provider's rate
 * limit is waited off on a durable timer; the call after it runs under
 * `<step>-w<n>`, a fresh budget key, because its attempts count from 1 again
 * and must not collide with the usage already committed under the old key.
 */
export async function budgetedCall<T>(tenantId: string, step: string, role: BudgetedRole, call: (requestId: string) => Promise<T>): Promise<T> {
  return waitingOut(`${step} (${role})`, (waits) => budgetedOnce(tenantId, waits === 0 ? step : `${step}-w${waits}`, role, call));
}

async function budgetedOnce<T>(tenantId: string, step: string, role: BudgetedRole, call: (requestId: string) => Promise<T>): Promise<T> {
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
