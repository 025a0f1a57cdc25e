import type { ActivityName } from '../activities/index.js';
import type { TaskQueueName } from '../domain/task-queues.js';

/**
 * What each task queue's workers run. Queues scale separately on their own
 * backlog, so slow sandbox runs never starve orchestration.
 */
export const QUEUE_LAYOUT: Record<TaskQueueName, { workflows: boolean; activities: readonly ActivityName[] }> = {
  orchestrator: {
    workflows: true,
    activities: [
      'pipelinePolicy',
      'recordTaskStarted',
      'recordTaskFinished',
      'recordTaskEvent',
      'recordTaskStatus',
      'recordGuardBypass',
      'recordDeadLetter',
      'resolveDeadLetter',
      'generateSolution',
      'reviseSolution',
      'generateTests',
      'securityReview',
      'reserveBudget',
      'releaseBudget',
      'expireBudgetReservations',
      'reconcileBudgets',
      'runBackup',
    ],
  },
  'peer-hub': { workflows: true, activities: ['reviewSolution', 'recordPeerReview', 'reserveBudget', 'releaseBudget'] },
  // Human decisions wait here: prompt approvals and escalations.
  supervisor: {
    workflows: true,
    activities: [
      'proposePromptUpdate',
      'recheckPromptUpdate',
      'decidePromptUpdate',
      'reportOverduePromptApproval',
      'openEscalation',
      'recordEscalation',
      'synthesizeEscalation',
      'reserveBudget',
      'releaseBudget',
    ],
  },
  sandbox: { workflows: false, activities: ['probeSandboxRuntime', 'runSandbox', 'runSolutionTests'] },
};
