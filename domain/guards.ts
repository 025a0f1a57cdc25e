import type { AgentRole } from './agent-roles.js';

/**
 * The guards a solution passes before peer review, and the seed's auto-fix:
 * each failure maps to the remediation that addresses it. Pure; the task
 * workflow runs the remediations and comes back here, a bounded number of times.
 */
export const GUARDS = ['missing_tests', 'failing_tests', 'security_not_approved', 'quality_below_threshold'] as const;
export type Guard = (typeof GUARDS)[number];

export interface GuardInput {
  /** Test files the solution carries. */
  readonly testFiles: readonly string[];
  /** The sandbox run of those tests; null when it could not run (no tests). */
  readonly testRun: { readonly passed: number; readonly failed: number; readonly timedOut: boolean } | null;
  /** The security agent's verdict on this version; null when it has not reviewed it yet. */
  readonly security: { readonly approved: boolean; readonly blockingFindings: number } | null;
  /** Reviewers' weighted quality score of this version (0..1); null before any review. */
  readonly quality: number | null;
}

export interface GuardPolicy {
  /** Below this weighted review score the solution is refactored. */
  readonly qualityThreshold: number;
  /** Whether a security approval is needed before review (the seed: "security not approved"). */
  readonly requireSecurityApproval: boolean;
}

export const DEFAULT_GUARD_POLICY: GuardPolicy = { qualityThreshold: 0.6, requireSecurityApproval: true };

export interface GuardFailure {
  readonly guard: Guard;
  readonly detail: string;
}

/** Every guard the solution fails, in the order they are fixed. */
export function evaluateGuards(input: GuardInput, policy: GuardPolicy = DEFAULT_GUARD_POLICY): GuardFailure[] {
  const failures: GuardFailure[] = [];
  const ran = input.testRun;
  if (input.testFiles.length === 0 || (ran !== null && ran.passed + ran.failed === 0 && !ran.timedOut)) {
    failures.push({ guard: 'missing_tests', detail: input.testFiles.length === 0 ? 'the solution has no test files' : 'the test run found no tests' });
  } else if (ran === null || ran.failed > 0 || ran.timedOut) {
    const detail = ran === null ? 'the tests did not run' : ran.timedOut ? 'the test run timed out' : `${ran.failed} of ${ran.passed + ran.failed} tests fail`;
    failures.push({ guard: 'failing_tests', detail });
  }
  if (policy.requireSecurityApproval && (input.security === null || !input.security.approved)) {
    const detail = input.security === null ? 'no security review of this version yet' : `security did not approve (${input.security.blockingFindings} blocking finding(s))`;
    failures.push({ guard: 'security_not_approved', detail });
  }
  if (input.quality !== null && input.quality < policy.qualityThreshold) {
    failures.push({ guard: 'quality_below_threshold', detail: `review score ${input.quality.toFixed(2)} is below ${policy.qualityThreshold}` });
  }
  return failures;
}

export const REMEDIATIONS = ['generate_tests', 'fix_failing_tests', 'security_review', 'refactor'] as const;
export type Remediation = (typeof REMEDIATIONS)[number];

/** The seed's auto-fix table: which step, by which agent, addresses which failure. */
export const REMEDIATION_FOR: Readonly<Record<Guard, { step: Remediation; agent: AgentRole }>> = {
  missing_tests: { step: 'generate_tests', agent: 'tester' },
  failing_tests: { step: 'fix_failing_tests', agent: 'developer' },
  security_not_approved: { step: 'security_review', agent: 'security' },
  quality_below_threshold: { step: 'refactor', agent: 'developer' },
};

export type AutoFixPlan =
  | { readonly action: 'proceed' }
  | { readonly action: 'remediate'; readonly steps: ReadonlyArray<{ guard: Guard; step: Remediation; agent: AgentRole; detail: string }> }
  | { readonly action: 'escalate'; readonly reason: string };

/**
 * What to do after guards ran in iteration `iteration` (from 1): go on to
 * review, fix what failed, or — with the iterations used up — escalate.
 */
export function planAutoFix(failures: readonly GuardFailure[], iteration: number, maxIterations: number): AutoFixPlan {
  if (failures.length === 0) return { action: 'proceed' };
  if (iteration >= maxIterations) {
    return { action: 'escalate', reason: `guards still fail after ${iteration} iteration(s): ${failures.map((f) => `${f.guard} (${f.detail})`).join('; ')}` };
  }
  return { action: 'remediate', steps: failures.map((f) => ({ guard: f.guard, ...REMEDIATION_FOR[f.guard], detail: f.detail })) };
}

/**
 * Review may only see a solution whose guards all passed; anything else is a
 * bypass attempt, counted for the seed's "security guard bypassed" alert.
 */
export function isGuardBypass(failuresAtReview: readonly GuardFailure[]): boolean {
  return failuresAtReview.length > 0;
}
