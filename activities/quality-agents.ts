import { ApplicationFailure, Context } from '@temporalio/activity';
import { BLOCKING_SEVERITIES } from '../domain/llm/answer-schemas.js';
import { fenceUntrusted } from '../domain/injection/screen.js';
import { taskBlock } from '../domain/llm/task-block.js';
import type { SolutionSummary, TaskLanguage } from '../domain/schemas/task.js';
import type { Db } from '../lib/db.js';
import { activePrompt } from '../lib/governance.js';
import { getSolution, type SolutionForReview } from '../lib/peer-review-store.js';
import { saveSecurityReview } from '../lib/security-review-store.js';
import { getTaskRow, saveSolution, toSolutionSummary, type TaskRow } from '../lib/task-store.js';
import type { AgentCaller } from './agent-call.js';

export interface QualityAgentDeps {
  db: Db;
  callAgent: AgentCaller;
}

// Kept apart from the governed prompts: learning may change how the agents work, never the answer formats.
const TESTS_FORMAT = 'Answer with one JSON object {"tests": [{"path","content"}, …], "rationale": string} and nothing else.';
const SECURITY_FORMAT =
  'Answer with one JSON object {"approved": boolean, "findings": [{"severity": "low" | "medium" | "high" | "critical", "title": string, "detail": string, "file"?: string, "line"?: number}]} and nothing else. ' +
  'A high or critical finding means approved is false.';

const MAX_GUIDANCE_CHARS = 4_000;

export function createQualityAgentActivities({ db, callAgent }: QualityAgentDeps) {
  async function load(taskId: string, solutionId: string): Promise<{ task: TaskRow; stored: SolutionForReview }> {
    const task = await getTaskRow(db, taskId);
    if (!task) throw ApplicationFailure.nonRetryable(`task ${taskId} does not exist`, 'NotFoundError');
    const stored = await getSolution(db, solutionId);
    if (!stored || stored.taskId !== task.id) throw ApplicationFailure.nonRetryable(`solution ${solutionId} of task ${task.id} does not exist`, 'NotFoundError');
    return { task, stored };
  }

  // The task and another agent's solution reach the model fenced: data to judge, never instructions.
  const subject = (task: TaskRow, stored: SolutionForReview) => [
    taskBlock({ title: task.title, description: fenceUntrusted('task description', task.description), language: task.language as TaskLanguage }),
    fenceUntrusted('solution', JSON.stringify(stored.solution)),
  ];

  return {
    /**
     * The tester writes tests for a stored solution. The new version is the
     * same code with the generated tests added (a generated test at the path
     * of an existing test replaces it), stored under (task, step).
     */
    async generateTests(args: { taskId: string; solutionId: string; step: string; budgetRequestId: string; guidance?: string[] }): Promise<SolutionSummary> {
      const { task, stored } = await load(args.taskId, args.solutionId);
      const guidance = (args.guidance ?? []).filter((g) => g.trim().length > 0).map((g, i) => fenceUntrusted(`operator guidance ${i + 1}`, g.slice(0, MAX_GUIDANCE_CHARS)));
      const prompt = [
        "Write unit tests for this solution with the language's standard test runner (pytest for Python, node --test for JavaScript).",
        ...subject(task, stored),
        ...(guidance.length > 0 ? ['Guidance from the operators for these tests:', ...guidance] : []),
      ].join('\n');
      const answer = await callAgent({
        role: 'tester',
        kind: 'testGeneration',
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        budgetRequestId: args.budgetRequestId,
        system: `${(await activePrompt(db, 'tester')).body}\n\n${TESTS_FORMAT}`,
        prompt,
      });
      const sources = new Set(stored.solution.files.map((f) => f.path));
      const clash = answer.value.tests.find((t) => sources.has(t.path));
      if (clash) {
        throw ApplicationFailure.create({
          message: `the tester's test ${clash.path} would overwrite a source file of the solution`,
          type: 'LlmAnswerRejectedError',
          nonRetryable: true,
          details: [{ role: 'tester', reason: 'schema', rounds: answer.rounds }],
        });
      }
      const generated = new Set(answer.value.tests.map((t) => t.path));
      const solution = {
        summary: stored.solution.summary,
        files: stored.solution.files,
        tests: [...stored.solution.tests.filter((t) => !generated.has(t.path)), ...answer.value.tests],
      };
      const solutionId = await saveSolution(db, {
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        agentRole: 'tester',
        provider: answer.provider,
        model: answer.model,
        solution,
        usage: answer.usage,
        attempt: Context.current().info.attempt,
      });
      return toSolutionSummary(solutionId, solution, answer);
    },

    /**
     * The security agent reviews a stored solution; the review is kept under
     * (task, step), so the guards read the verdict on this exact version.
     */
    async securityReview(args: { taskId: string; solutionId: string; step: string; budgetRequestId: string }): Promise<{
      securityReviewId: string;
      approved: boolean;
      blockingFindings: number;
      findings: number;
    }> {
      const { task, stored } = await load(args.taskId, args.solutionId);
      const answer = await callAgent({
        role: 'security',
        kind: 'securityReview',
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        budgetRequestId: args.budgetRequestId,
        system: `${(await activePrompt(db, 'security')).body}\n\n${SECURITY_FORMAT}`,
        prompt: ['Review this solution for security problems.', ...subject(task, stored)].join('\n'),
      });
      const { approved, findings } = answer.value;
      const securityReviewId = await saveSecurityReview(db, {
        taskId: task.id,
        tenantId: task.tenant_id,
        solutionId: stored.id,
        step: args.step,
        approved,
        findings,
        provider: answer.provider,
        model: answer.model,
      });
      return { securityReviewId, approved, blockingFindings: findings.filter((f) => BLOCKING_SEVERITIES.includes(f.severity)).length, findings: findings.length };
    },
  };
}
