import { ApplicationFailure } from '@temporalio/activity';
import { fenceUntrusted } from '../domain/injection/screen.js';
import { SUPERVISOR_ACTIONS, type SupervisorSynthesisAnswer } from '../domain/llm/answer-schemas.js';
import { taskBlock } from '../domain/llm/task-block.js';
import type { TaskLanguage } from '../domain/schemas/task.js';
import type { Db } from '../lib/db.js';
import { getEscalation } from '../lib/escalation-store.js';
import { activePrompt } from '../lib/governance.js';
import { getLatestSecurityReview } from '../lib/security-review-store.js';
import { getLatestPeerReview, getLatestSolution, getTaskRow } from '../lib/task-store.js';
import type { AgentCaller } from './agent-call.js';

export interface EscalationAgentDeps {
  db: Db;
  callAgent: AgentCaller;
}

// Kept apart from the governed prompt: learning may change how the supervisor judges, never the answer format.
const SYNTHESIS_FORMAT =
  `Answer with one JSON object {"action_plan": [{"action": ${SUPERVISOR_ACTIONS.map((a) => `"${a}"`).join(' | ')}, "target"?: string, "reason": string}, …], ` +
  '"reasoning": string, "confidence": number from 0 to 1} and nothing else. The first step of the plan is what you decide.';

/** Characters of the latest solution quoted to the supervisor; the rest stays in task_solutions. */
const SOLUTION_CHARS = 16_000;
const CONTEXT_CHARS = 4_000;

const head = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters omitted)`);

export function createEscalationAgentActivities({ db, callAgent }: EscalationAgentDeps) {
  return {
    /**
     * The supervisor reads why the task escalated and where it stands (its
     * newest solution, peer review and security review) and proposes what to
     * do. Returns the validated synthesis; the workflow keeps it.
     */
    async synthesizeEscalation(args: { escalationId: string; taskId: string; step: string; budgetRequestId: string }): Promise<SupervisorSynthesisAnswer> {
      const task = await getTaskRow(db, args.taskId);
      if (!task) throw ApplicationFailure.nonRetryable(`task ${args.taskId} does not exist`, 'NotFoundError');
      const escalation = await getEscalation(db, args.escalationId, task.tenant_id);
      if (!escalation || escalation.taskId !== task.id) throw ApplicationFailure.nonRetryable(`escalation ${args.escalationId} of task ${task.id} does not exist`, 'NotFoundError');
      const [solution, peerReview, securityReview] = await Promise.all([getLatestSolution(db, task.id), getLatestPeerReview(db, task.id), getLatestSecurityReview(db, task.id)]);

      // Everything but the escalation's reason was written by agents or users: fenced, data only.
      const prompt = [
        `The task escalated (reason: ${escalation.reason.replaceAll('_', ' ')}). Decide what happens next.`,
        taskBlock({ title: task.title, description: fenceUntrusted('task description', task.description), language: task.language as TaskLanguage }),
        'What the pipeline recorded when it escalated:',
        fenceUntrusted('escalation context', head(JSON.stringify(escalation.context), CONTEXT_CHARS)),
        solution
          ? [`The newest solution (${solution.step}, by the ${solution.agentRole}):`, fenceUntrusted('solution', head(JSON.stringify(solution.solution), SOLUTION_CHARS))].join('\n')
          : 'The task has no stored solution.',
        peerReview
          ? [`The newest peer review ended ${peerReview.outcome} at quality ${peerReview.quality}:`, fenceUntrusted('peer review explanation', head(peerReview.explanation, CONTEXT_CHARS))].join('\n')
          : 'The task has no peer review.',
        securityReview
          ? [
              `The newest security review (${securityReview.step}) ${securityReview.approved ? 'approved' : 'did not approve'}; its findings:`,
              fenceUntrusted('security findings', head(JSON.stringify(securityReview.findings), CONTEXT_CHARS)),
            ].join('\n')
          : 'The task has no security review.',
      ].join('\n');

      const answer = await callAgent({
        role: 'supervisor',
        kind: 'supervisorSynthesis',
        taskId: task.id,
        tenantId: task.tenant_id,
        step: args.step,
        budgetRequestId: args.budgetRequestId,
        system: `${(await activePrompt(db, 'supervisor')).body}\n\n${SYNTHESIS_FORMAT}`,
        prompt,
      });
      return answer.value;
    },
  };
}
