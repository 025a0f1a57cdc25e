import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { fenceUntrusted } from '../domain/injection/screen.js';
import { screenTaskText } from '../domain/llm/guard-answer.js';
import { taskBlock } from '../domain/llm/task-block.js';
import type { SolutionSummary, TaskLanguage } from '../domain/schemas/task.js';
import type { Db } from '../lib/db.js';
import { activePrompt } from '../lib/governance.js';
import type { Metrics } from '../lib/metrics.js';
import { getTaskRow, saveSolution } from '../lib/task-store.js';
import type { AgentCaller } from './agent-call.js';

export interface DeveloperAgentDeps {
  db: Db;
  metrics: Metrics;
  callAgent: AgentCaller;
}

// Kept apart from the governed prompt: learning may change how the agent works, never the answer format.
const ANSWER_FORMAT =
  'Answer with one JSON object {"summary": string, "files": [{"path","content"}], "tests": [{"path","content"}]} and nothing else.';

export function createDeveloperAgentActivities({ db, metrics, callAgent }: DeveloperAgentDeps) {
  return {
    /**
     * Asks the developer agent for a solution and stores it under (task, step).
     * The code stays in Postgres; the workflow gets a reference and a summary.
     */
    async generateSolution(args: { taskId: string; step: string; budgetRequestId: string }): Promise<SolutionSummary> {
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

      const answer = await callAgent({
        role: 'developer',
        kind: 'developerSolution',
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        budgetRequestId: args.budgetRequestId,
        // The role's approved prompt as it is now: an applied update takes effect from the next call.
        system: `${(await activePrompt(db, 'developer')).body}\n\n${ANSWER_FORMAT}`,
        prompt,
      });
      const solution = answer.value;
      const solutionId = await saveSolution(db, {
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        agentRole: 'developer',
        provider: answer.provider,
        model: answer.model,
        solution,
        usage: answer.usage,
        attempt: Context.current().info.attempt,
      });
      return {
        solutionId,
        summary: solution.summary,
        files: solution.files.map((f) => f.path),
        tests: solution.tests.map((f) => f.path),
        model: answer.model,
        provider: answer.provider,
        rounds: answer.rounds,
        usage: answer.usage,
        costUsd: answer.costUsd,
      };
    },
  };
}
