import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { evaluateGuards, planAutoFix, type GuardFailure, type GuardInput, type Remediation } from '../domain/guards.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import type { SolutionSummary } from '../domain/schemas/task.js';
import { stepName } from '../domain/task-pipeline.js';
import { budgetedCall } from './budgeted-call.js';
import type { DeadLetters } from './dead-letter-step.js';
import { runSolutionTestsStep } from './sandbox-step.js';
import type { TaskRun } from './task-run.js';
import { waitingActivities } from './durable-wait.js';

const agents = proxyActivities<Activities>(ACTIVITY_KINDS.agent);
const records = waitingActivities(ACTIVITY_KINDS.records);

/** One version of the solution and what is known about exactly that version. */
export interface Candidate {
  solution: SolutionSummary;
  testRun?: { runId: string; passed: number; failed: number; timedOut: boolean };
  security?: { securityReviewId: string; approved: boolean; blockingFindings: number };
  /** The weighted score of the peer review of this version, once it had one. */
  quality?: number;
  peerReviewId?: string;
}

export type RevisionReason = 'failing_tests' | 'security' | 'quality' | 'review' | 'escalation';

export function guardInput(c: Candidate): GuardInput {
  return {
    testFiles: c.solution.tests,
    testRun: c.testRun ? { passed: c.testRun.passed, failed: c.testRun.failed, timedOut: c.testRun.timedOut } : null,
    security: c.security ? { approved: c.security.approved, blockingFindings: c.security.blockingFindings } : null,
    quality: c.quality ?? null,
  };
}

/**
 * The guards and the seed's auto-fix: every version is tested in the sandbox
 * and reviewed by the security agent, the guards decide, and each failure is
 * sent to the agent that fixes it — bounded by the policy's iterations.
 */
export class AutoFix {
  constructor(
    private readonly run: TaskRun,
    private readonly deadLetters: DeadLetters,
  ) {}

  private get ids() {
    return { taskId: this.run.taskId, tenantId: this.run.tenantId };
  }

  private step(kind: string): string {
    return stepName(kind, this.run.progress.round, this.run.progress.iteration);
  }

  private async solutionEvent(step: string, solution: SolutionSummary, reason: string): Promise<void> {
    this.run.progress.solutionId = solution.solutionId;
    await this.run.event('solution', step, { solutionId: solution.solutionId, reason, files: solution.files, tests: solution.tests, summary: solution.summary });
  }

  /** The developer's first solution. */
  async develop(): Promise<Candidate> {
    const step = this.step('develop');
    this.run.working(step, 'developer');
    const solution = await this.deadLetters.step(step, (key) =>
      budgetedCall(this.run.tenantId, key, 'developer', (budgetRequestId) =>
        agents.generateSolution({ taskId: this.run.taskId, step: key, budgetRequestId, guidance: this.run.guidanceTexts() }),
      ),
    );
    await this.solutionEvent(step, solution, 'first solution');
    return { solution };
  }

  /** The developer revises `c` for `reason`, reading the feedback the refs point to. */
  async revise(c: Candidate, reason: RevisionReason, notes: string[]): Promise<Candidate> {
    const step = this.step(`revise-${reason}`);
    this.run.working(step, 'developer');
    const refs = { sandboxRunId: c.testRun?.runId, securityReviewId: c.security?.securityReviewId, peerReviewId: c.peerReviewId };
    const solution = await this.deadLetters.step(step, (key) =>
      budgetedCall(this.run.tenantId, key, 'developer', (budgetRequestId) =>
        agents.reviseSolution({ taskId: this.run.taskId, solutionId: c.solution.solutionId, step: key, budgetRequestId, reason, notes, refs, guidance: this.run.guidanceTexts() }),
      ),
    );
    await this.solutionEvent(step, solution, `revised: ${reason}`);
    return { solution };
  }

  private async generateTests(c: Candidate): Promise<Candidate> {
    const step = this.step('generate-tests');
    this.run.working(step, 'tester');
    const solution = await this.deadLetters.step(step, (key) =>
      budgetedCall(this.run.tenantId, key, 'tester', (budgetRequestId) =>
        agents.generateTests({ taskId: this.run.taskId, solutionId: c.solution.solutionId, step: key, budgetRequestId, guidance: this.run.guidanceTexts() }),
      ),
    );
    await this.solutionEvent(step, solution, 'tests written by the tester');
    return { solution };
  }

  /** Runs this version's tests and its security review (each once per version). */
  private async check(c: Candidate): Promise<Candidate> {
    const checked = { ...c };
    if (!checked.testRun && c.solution.tests.length > 0) {
      const step = this.step('sandbox');
      this.run.working(step);
      const result = await this.deadLetters.step(step, (key) =>
        runSolutionTestsStep(
          { ...this.ids, solutionId: c.solution.solutionId, runId: `${this.run.taskId}:${key}`, language: this.run.input.language },
          { taskQueue: this.run.queue('sandbox') },
        ),
      );
      checked.testRun = { runId: result.runId, passed: result.tests.passed, failed: result.tests.failed + result.tests.errors, timedOut: result.flags.timedOut };
      await this.run.event('tests_run', step, { runId: result.runId, passed: result.tests.passed, failed: checked.testRun.failed, found: result.tests.found, timedOut: result.flags.timedOut, runtime: result.runtime });
    }
    if (!checked.security) {
      const step = this.step('security');
      this.run.working(step, 'security');
      const review = await this.deadLetters.step(step, (key) =>
        budgetedCall(this.run.tenantId, key, 'security', (budgetRequestId) =>
          agents.securityReview({ taskId: this.run.taskId, solutionId: c.solution.solutionId, step: key, budgetRequestId }),
        ),
      );
      checked.security = { securityReviewId: review.securityReviewId, approved: review.approved, blockingFindings: review.blockingFindings };
      await this.run.event('security_review', step, { ...review });
    }
    return checked;
  }

  private async remediate(c: Candidate, step: Remediation, detail: string): Promise<Candidate> {
    switch (step) {
      case 'generate_tests':
        return this.generateTests(c);
      case 'fix_failing_tests':
        return this.revise(c, 'failing_tests', [detail]);
      case 'security_review':
        return this.revise(c, 'security', [detail]);
      case 'refactor':
        return this.revise(c, 'quality', [detail]);
    }
  }

  /**
   * Checks, guards and remediations until the version passes every guard
   * (ready for review) or the iterations are used up (escalate).
   */
  async untilGuardsPass(start: Candidate): Promise<{ ok: true; candidate: Candidate } | { ok: false; reason: string; candidate: Candidate }> {
    let c = start;
    for (let iteration = 1; ; iteration += 1) {
      this.run.progress.iteration = iteration;
      c = await this.check(c);
      const failures = evaluateGuards(guardInput(c), { qualityThreshold: this.run.policy.qualityThreshold, requireSecurityApproval: true });
      const plan = planAutoFix(failures, iteration, this.run.policy.maxFixIterations);
      await this.run.event('guards', this.step('guards'), { solutionId: c.solution.solutionId, failures, plan: plan.action });
      if (plan.action === 'proceed') return { ok: true, candidate: c };
      if (plan.action === 'escalate') return { ok: false, reason: plan.reason, candidate: c };
      for (const s of plan.steps) {
        await this.run.event('remediation', this.step(s.step), { guard: s.guard, remediation: s.step, agent: s.agent, detail: s.detail });
        const next = await this.remediate(c, s.step, s.detail);
        // A later remediation in the same iteration works on the newest version, with what was known about the old one.
        c = { ...c, solution: next.solution };
      }
      // The new version is unknown: tested and reviewed afresh in the next iteration.
      c = { solution: c.solution };
    }
  }

  /**
   * The review gate: every guard is evaluated again from the facts about this
   * exact version. Anything failing here is a bypass attempt: counted for the
   * seed's critical alert, recorded, and refused.
   */
  async assertReviewable(c: Candidate): Promise<void> {
    const failures: GuardFailure[] = evaluateGuards(guardInput({ ...c, quality: undefined }), { qualityThreshold: this.run.policy.qualityThreshold, requireSecurityApproval: true });
    if (failures.length === 0) return;
    await records.recordGuardBypass({ taskId: this.run.taskId, solutionId: c.solution.solutionId, failures });
    await this.run.event('guard_bypass_refused', this.step('review-gate'), { solutionId: c.solution.solutionId, failures });
    throw ApplicationFailure.nonRetryable(`solution ${c.solution.solutionId} reached review without passing its guards: ${failures.map((f) => f.guard).join(', ')}`, 'GuardBypassError');
  }
}
