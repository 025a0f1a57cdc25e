import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { AgentRole } from '../domain/agent-roles.js';
import { LLM_CALL_LIMITS, callReservation, usageAttempt, type BudgetedRole } from '../domain/budget.js';
import type { AnswerKind, AnswerOf } from '../domain/llm/answer-schemas.js';
import { correctivePrompt } from '../domain/llm/corrective-prompt.js';
import { guardAnswer, type RejectionReason } from '../domain/llm/guard-answer.js';
import { costOf, type PriceTable } from '../domain/llm/pricing.js';
import type { BudgetController } from '../lib/budget/controller.js';
import { BudgetExceededError } from '../lib/budget/errors.js';
import type { Db } from '../lib/db.js';
import { recordLlmCall } from '../lib/llm-calls.js';
import type { LlmProvider, LlmResponse } from '../lib/llm/index.js';
import { NoScriptError } from '../lib/llm/scripted-provider.js';
import { estimateTokens } from '../lib/llm/token-estimate.js';
import type { Metrics } from '../lib/metrics.js';
import { asActivityFailure } from './activity-failures.js';
import { withHeartbeats } from './heartbeat.js';

export interface AgentCallDeps {
  db: Db;
  llm: LlmProvider;
  metrics: Metrics;
  budget: BudgetController;
  correctiveRetries: number;
  prices: PriceTable;
}

export interface AgentCall<K extends AnswerKind> {
  role: AgentRole & BudgetedRole;
  kind: K;
  taskId: string;
  tenantId: string;
  step: string;
  /** The call's budget reservation (workflow id + step), made by the workflow before the activity. */
  budgetRequestId: string;
  system: string;
  prompt: string;
}

export interface AgentAnswer<K extends AnswerKind> {
  value: AnswerOf<K>;
  /** Fields the screen flagged without blocking: kept for review, not acted on. */
  flagged: readonly string[];
  provider: string;
  model: string;
  /** Over every round of this attempt, rejected ones included: they were spent too. */
  usage: { promptTokens: number; completionTokens: number };
  costUsd: number | null;
  rounds: number;
}

/**
 * The only way agents talk to an LLM (a lint rule and a test keep it so):
 * every round holds its tokens, is charged exactly once under its own key,
 * is recorded with its cost, and its answer passes the security layer before
 * anyone sees it. A rejected answer is asked again with what was wrong, at
 * most `correctiveRetries` times; then the call fails as the non-retryable
 * `LlmAnswerRejectedError`, which the workflow acts on.
 */
export function createAgentCaller(deps: AgentCallDeps) {
  const limits = (role: BudgetedRole) => LLM_CALL_LIMITS[role];

  async function holdForRound(call: AgentCall<AnswerKind>): Promise<void> {
    try {
      // Each round may use the whole reservation: earlier rounds and attempts consumed part of the hold.
      const hold = await deps.budget.rearm(call.budgetRequestId);
      if (!hold.armed) throw new BudgetExceededError(call.tenantId, callReservation(call.role), hold.remaining ?? 0);
    } catch (err) {
      throw asActivityFailure(err);
    }
  }

  async function ask(call: AgentCall<AnswerKind>, prompt: string, round: number): Promise<{ answer: LlmResponse; ms: number }> {
    const ctx = Context.current();
    const started = performance.now();
    try {
      const answer = await withHeartbeats(
        () => deps.llm.complete({ role: call.role, system: call.system, prompt, maxTokens: limits(call.role).maxCompletionTokens, answerKind: call.kind }, ctx.cancellationSignal),
        { step: call.step, round },
      );
      const ms = performance.now() - started;
      deps.metrics.llmRequestDuration.observe({ provider: answer.provider, outcome: 'ok' }, ms / 1000);
      return { answer, ms };
    } catch (err) {
      deps.metrics.llmRequestDuration.observe({ provider: deps.llm.name, outcome: 'error' }, (performance.now() - started) / 1000);
      // The stand-in has no answer for this request: asking again cannot change that.
      if (err instanceof NoScriptError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInputError');
      throw asActivityFailure(err);
    }
  }

  return async function callAgent<K extends AnswerKind>(call: AgentCall<K>): Promise<AgentAnswer<K>> {
    const ctx = Context.current();
    const rounds = deps.correctiveRetries + 1;
    const total = { promptTokens: 0, completionTokens: 0 };
    let cost: number | null = 0;
    let rejection: { reason: RejectionReason; detail: string } | undefined;

    for (let round = 0; round < rounds; round += 1) {
      const prompt = rejection ? correctivePrompt(call.prompt, rejection, round, rounds - 1) : call.prompt;
      if (estimateTokens(call.system + prompt) > limits(call.role).maxPromptTokens) {
        throw ApplicationFailure.nonRetryable(
          `the ${call.role} prompt is too long for one call (over ${limits(call.role).maxPromptTokens} prompt tokens)`,
          'InvalidInputError',
        );
      }
      await holdForRound(call);
      const { answer, ms } = await ask(call, prompt, round);
      const tokens = answer.usage.promptTokens + answer.usage.completionTokens;
      total.promptTokens += answer.usage.promptTokens;
      total.completionTokens += answer.usage.completionTokens;
      for (const [kind, count] of [['prompt', answer.usage.promptTokens], ['completion', answer.usage.completionTokens]] as const) {
        deps.metrics.llmTokens.inc({ tenant: call.tenantId, role: call.role, model: answer.model, kind }, count);
      }
      const roundCost = costOf(deps.prices, answer.model, answer.usage);
      if (roundCost !== null) deps.metrics.llmCost.inc({ tenant: call.tenantId, role: call.role, model: answer.model }, roundCost);
      cost = cost === null || roundCost === null ? null : cost + roundCost;

      const verdict = guardAnswer(call.kind, answer.text);
      const key = usageAttempt(ctx.info.attempt, round);
      // The tokens were spent whatever the answer is worth: charged once for this round before
      // anything else can fail. An accepted answer ends the call, so the rest of its hold goes back now.
      await deps.budget.commit({ requestId: call.budgetRequestId, attempt: key, tokens, final: verdict.ok }).catch((err: unknown) => {
        throw asActivityFailure(err);
      });
      await recordLlmCall(deps.db, {
        requestId: call.budgetRequestId,
        usageAttempt: key,
        taskId: call.taskId,
        tenantId: call.tenantId,
        step: call.step,
        role: call.role,
        provider: answer.provider,
        model: answer.model,
        promptTokens: answer.usage.promptTokens,
        completionTokens: answer.usage.completionTokens,
        costUsd: roundCost,
        outcome: verdict.ok ? 'accepted' : 'rejected',
        rejectReason: verdict.ok ? undefined : verdict.reason,
        durationMs: ms,
      });

      if (verdict.ok) {
        if (verdict.flagged.length > 0) log.warn('agent answer flagged by injection screening', { taskId: call.taskId, role: call.role, flagged: verdict.flagged });
        return { value: verdict.value, flagged: verdict.flagged, provider: answer.provider, model: answer.model, usage: total, costUsd: cost, rounds: round + 1 };
      }
      deps.metrics.llmValidationFailures.inc({ role: call.role, reason: verdict.reason });
      log.warn('agent answer rejected by the security layer', { taskId: call.taskId, role: call.role, round, reason: verdict.reason, detail: verdict.detail });
      rejection = { reason: verdict.reason, detail: verdict.detail };
    }
    throw ApplicationFailure.create({
      message: `the ${call.role} answer was rejected ${rounds} time(s); last reason ${rejection!.reason}: ${rejection!.detail}`,
      type: 'LlmAnswerRejectedError',
      nonRetryable: true,
      details: [{ role: call.role, reason: rejection!.reason, rounds }],
    });
  };
}

export type AgentCaller = ReturnType<typeof createAgentCaller>;
