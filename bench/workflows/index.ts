import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { ACTIVITY_KINDS } from '../../domain/retry-policies.js';
import { runSolutionTestsStep } from '../../workflows/sandbox-step.js';

interface BenchActivities {
  benchNoop(): Promise<void>;
}

const { benchNoop } = proxyActivities<BenchActivities>(ACTIVITY_KINDS.records);

/**
 * The pipeline benchmark's baseline: the same sandbox run as a task's tests
 * plus as many no-op activities as a task schedules, on the same server and
 * workers, without agents, guards, reviews or bookkeeping.
 */
export async function BareTaskWorkflow(args: {
  test: Parameters<Activities['runSolutionTests']>[0];
  sandboxQueue: string;
  noops: number;
}): Promise<number> {
  await runSolutionTestsStep(args.test, { taskQueue: args.sandboxQueue });
  for (let i = 0; i < args.noops; i += 1) await benchNoop();
  return args.noops + 1;
}
