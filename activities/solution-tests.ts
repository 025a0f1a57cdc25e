import { ApplicationFailure } from '@temporalio/activity';
import { defaultCommand, type SandboxLanguage } from '../domain/sandbox.js';
import { getSolution } from '../lib/peer-review-store.js';
import { createSandboxRunner, parseSandboxRequest, type SandboxActivityDeps, type SandboxRunResult } from './sandbox.js';

export function createSolutionTestActivities(deps: SandboxActivityDeps) {
  const runInSandbox = createSandboxRunner(deps);
  return {
    /**
     * Runs a stored solution's tests in the sandbox (queue: sandbox): its
     * files and tests from Postgres, the language's test command. Like
     * runSandbox it returns the wait when over the tenant's rate limit, and a
     * solution without tests still runs, its report saying none were found.
     */
    async runSolutionTests(args: { taskId: string; tenantId: string; solutionId: string; runId: string; language: SandboxLanguage }): Promise<SandboxRunResult> {
      const stored = await getSolution(deps.db, args.solutionId);
      // Scoped by task and tenant: an id of another tenant's solution reads as absent.
      if (!stored || stored.taskId !== args.taskId || stored.tenantId !== args.tenantId) {
        throw ApplicationFailure.nonRetryable(`solution ${args.solutionId} of task ${args.taskId} does not exist`, 'NotFoundError');
      }
      const { files, tests } = stored.solution;
      const request = parseSandboxRequest({
        tenantId: args.tenantId,
        runId: args.runId,
        language: args.language,
        files: [...files, ...tests].map((f) => ({ path: f.path, content: f.content })),
        command: defaultCommand(args.language),
      });
      return runInSandbox(request);
    },
  };
}
