import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetLimitUpdate, CommitRequest, LLM_CALL_LIMITS, ReserveRequest, budgetRequestId, callReservation } from '../../domain/budget.js';
import { describeZodError } from '../../domain/validation.js';

describe('budget policy', () => {
  it('reserves the prompt cap plus max_tokens per call, so usage never exceeds the reservation', () => {
    const { maxPromptTokens, maxCompletionTokens } = LLM_CALL_LIMITS.developer;
    assert.equal(callReservation('developer'), maxPromptTokens + maxCompletionTokens);
  });

  it('derives request ids from workflow id and step', () => {
    assert.equal(budgetRequestId('task-abc', 'develop-1'), 'task-abc:develop-1');
    assert.equal(ReserveRequest.safeParse({ requestId: budgetRequestId('task-abc', 'develop-1'), tenantId: 'acme', amount: 1 }).success, true);
  });

  it('names every bad field of a reservation or commit', () => {
    const reserve = ReserveRequest.safeParse({ requestId: 'a b', tenantId: 'ACME', amount: 1.5 });
    assert.equal(reserve.success, false);
    const message = describeZodError(reserve.error!);
    for (const field of ['requestId', 'tenantId', 'amount']) assert.match(message, new RegExp(field));
    const commit = CommitRequest.safeParse({ requestId: 'r', attempt: 0, tokens: -1 });
    assert.match(describeZodError(commit.error!), /attempt.*tokens/s);
  });

  it('accepts limits and periods operators can set, nothing else', () => {
    assert.equal(BudgetLimitUpdate.safeParse({ totalLimit: 2_000_000 }).success, true);
    assert.equal(BudgetLimitUpdate.safeParse({ totalLimit: 10, period: 'daily' }).success, true);
    assert.equal(BudgetLimitUpdate.safeParse({ totalLimit: -1 }).success, false);
    assert.equal(BudgetLimitUpdate.safeParse({ totalLimit: 10, period: 'weekly' }).success, false);
    assert.equal(BudgetLimitUpdate.safeParse({ totalLimit: 10, tenantId: 'x' }).success, false);
  });
});
