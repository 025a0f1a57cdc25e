import { Context, ApplicationFailure, log } from '@temporalio/activity';
import { LLM_CALL_LIMITS, callReservation } from '../domain/budget.js';
import { fenceUntrusted } from '../domain/injection/screen.js';
import type { SolutionSummary, TaskLanguage } from '../domain/schemas/task.js';
import type { Db } from '../lib/db.js';
import type { LlmProvider } from '../lib/llm/index.js';
import { taskBlock } from '../lib/llm/scripted-provider.js';
import { estimateTokens } from '../lib/llm/token-estimate.js';
import type { BudgetController } from '../lib/budget/controller.js';
import { BudgetExceededError } from '../lib/budget/errors.js';
import type { Metrics } from '../lib/metrics.js';
import { getTaskRow, saveSolution } from '../lib/task-store.js';
import { asActivityFailure } from './activity-failures.js';
import { guardDeveloperAnswer, screenTaskText } from './answer-guard.js';
import { withHeartbeats } from './heartbeat.js';

export interface DeveloperAgentDeps {
  db: Db;
  llm: LlmProvider;
  metrics: Metrics;
  budget: BudgetController;
}

const LIMITS = LLM_CALL_LIMITS.developer;

const SYSTEM_PROMPT =
  'You are the developer agent. Answer with one JSON object {"summary": string, "files": [{"path","content"}], "tests": [{"path","content"}]} and nothing else.';

export function createDeveloperAgentActivities({ db, llm, metrics, budget }: DeveloperAgentDeps) {
  return {
    /**
     * Asks the developer agent for a solution and stores it under (task, step).
     * The code stays in Postgres; the workflow gets a reference and a summary.
     */
    async generateSolution(args: { taskId: string; step: string; budgetRequestId: string }): Promise<SolutionSummary> {
      const ctx = Context.current();
      const task = await getTaskRow(db, args.taskId);
      if (!task) throw ApplicationFailure.nonRetryable(`task ${args.taskId} does not exist`, 'NotFoundError');
      const screened = screenTaskText(task.title, task.description);
      if (screened.blocked.length > 0) {
        metrics.llmValidationFailures.inc({ role: 'developer', reason: 'injection_in_task' });
        throw ApplicationFailure.nonRetryable(`the task text was blocked by injection screening: ${screened.blocked.join('; ')}`, 'InvalidInputError');
      }
      if (screened.flagged.length > 0) log.warn('task text flagged by injection screening', { taskId: task.id, flagged: screened.flagged });
      // Untrusted text reaches the model fenced and labelled, never as instructions.
      const description = fenceUntrusted('task description', task.description);
      const prompt = `Write the solution and its unit tests.\n${taskBlock({ title: task.title, description, language: task.language as TaskLanguage })}`;
      if (estimateTokens(SYSTEM_PROMPT + prompt) > LIMITS.maxPromptTokens) {
        throw ApplicationFailure.nonRetryable(`the task is too long for one developer call (over ${LIMITS.maxPromptTokens} prompt tokens)`, 'InvalidInputError');
      }

      // This attempt holds the call's full reservation again: earlier attempts may have used part of it.
      try {
        const hold = await budget.rearm(args.budgetRequestId);
        if (!hold.armed) {
          throw new BudgetExceededError(task.tenant_id, callReservation('developer'), hold.remaining ?? 0);
        }
      } catch (err) {
        throw asActivityFailure(err);
      }

      const started = performance.now();
      const answer = await withHeartbeats(
        () =>
          llm.complete(
            { role: 'developer', system: SYSTEM_PROMPT, prompt, maxTokens: LIMITS.maxCompletionTokens },
            ctx.cancellationSignal,
          ),
        { step: args.step },
      ).catch((err: unknown) => {
        throw asActivityFailure(err);
      });
      metrics.llmRequestDuration.observe({ provider: answer.provider, outcome: 'ok' }, (performance.now() - started) / 1000);
      for (const [kind, count] of [['prompt', answer.usage.promptTokens], ['completion', answer.usage.completionTokens]] as const) {
        metrics.llmTokens.inc({ tenant: task.tenant_id, role: 'developer', model: answer.model, kind }, count);
      }

      const parsed = guardDeveloperAnswer(answer.text);
      // The tokens were spent whatever the answer is worth: charged once for this attempt, before
      // anything else can fail. A valid answer ends the call, so the rest of its hold goes back now.
      await budget.commit({
        requestId: args.budgetRequestId,
        attempt: ctx.info.attempt,
        tokens: answer.usage.promptTokens + answer.usage.completionTokens,
        final: parsed.ok,
      });
      if (!parsed.ok) {
        metrics.llmValidationFailures.inc({ role: 'developer', reason: parsed.reason });
        throw ApplicationFailure.retryable(`the developer answer was rejected (${parsed.reason}): ${parsed.detail}`, 'LlmValidationError');
      }
      if (parsed.flagged.length > 0) log.warn('developer answer flagged by injection screening', { taskId: task.id, flagged: parsed.flagged });

      const solutionId = await saveSolution(db, {
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        agentRole: 'developer',
        provider: answer.provider,
        model: answer.model,
        solution: parsed.solution,
        usage: answer.usage,
        attempt: ctx.info.attempt,
      });
      return {
        solutionId,
        summary: parsed.solution.summary,
        files: parsed.solution.files.map((f) => f.path),
        tests: parsed.solution.tests.map((f) => f.path),
        model: answer.model,
        provider: answer.provider,
      };
    },
  };
}
