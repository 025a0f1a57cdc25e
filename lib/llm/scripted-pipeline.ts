import type { SecurityReviewAnswer, SupervisorSynthesisAnswer, TestGenerationAnswer } from '../../domain/llm/answer-schemas.js';
import type { RevisionReason } from '../../domain/llm/revision-block.js';
import type { TaskBlock } from '../../domain/llm/task-block.js';
import type { DeveloperSolution, SourceFile } from '../../domain/schemas/solution.js';
import { developDirectiveOf, securityDirectiveOf, supervisorDirectiveOf } from './scripted-directives.js';
import { SCRIPTED_LABEL, scriptedDeveloperSolution } from './scripted-scripts.js';

/**
 * The stand-in's answers along the task pipeline: developer first answers and
 * revisions, the tester's tests, the security review and the supervisor's
 * synthesis. Stateless: everything is read from the task's directives and the
 * prompt itself, so any worker process answers the same.
 */

const LABEL = SCRIPTED_LABEL;

/** The line a revision made for security findings carries in its summary; the stand-in's security agent approves a solution that has it. */
export const SECURITY_REVISION_MARKER = 'security findings addressed';

// Each assertion turned into its opposite, so the test fails against the right code.
const INVERSIONS: ReadonlyArray<readonly [string, string]> = [
  ['self.assertEqual(', 'self.assertNotEqual('],
  ['self.assertIn(', 'self.assertNotIn('],
  ['assert.deepEqual(', 'assert.notDeepEqual('],
  ['assert.equal(', 'assert.notEqual('],
  ['assert.match(', 'assert.doesNotMatch('],
];

function withFailingAssertions(test: SourceFile): SourceFile {
  const content = INVERSIONS.reduce((text, [from, to]) => text.replaceAll(from, to), test.content);
  if (content === test.content) throw new RangeError(`scripted-develop: failing-tests has no assertion to invert in ${test.path}`);
  return { path: test.path, content };
}

/** Where the tester puts its copy of a test, beside the developer's own: `test_x.py` → `test_x_generated.py`, `x.test.mjs` → `x.generated.test.mjs`. */
export function generatedTestPath(path: string): string {
  if (/\.py$/.test(path)) return path.replace(/\.py$/, '_generated.py');
  if (/\.test\.(c|m)?js$/.test(path)) return path.replace(/\.test\.((c|m)?js)$/, '.generated.test.$1');
  throw new RangeError(`the scripted tester does not know where to put a copy of ${path}`);
}

/**
 * The developer's answer. A first answer follows `scripted-develop:`; a
 * revision is the proper solution, keeping the security marker once a
 * revision for security has added it (`reviewed` is the prompt outside the task block).
 */
export function scriptedDeveloperAnswer(task: TaskBlock, revision: RevisionReason | undefined, reviewed: string): DeveloperSolution {
  const proper = scriptedDeveloperSolution(task.title, task.description, task.language);
  if (revision) {
    const marked = revision === 'security' || reviewed.includes(SECURITY_REVISION_MARKER);
    return marked ? { ...proper, summary: `${proper.summary}\n${SECURITY_REVISION_MARKER}` } : proper;
  }
  switch (developDirectiveOf(task.description)) {
    case 'no-tests':
      return { ...proper, tests: [] };
    case 'failing-tests':
      return { ...proper, tests: proper.tests.map(withFailingAssertions) };
    case undefined:
      return proper;
  }
}

/** The tester's tests: the proper tests of the task's script, in files of their own. */
export function scriptedTestAnswer(task: TaskBlock): TestGenerationAnswer {
  const proper = scriptedDeveloperSolution(task.title, task.description, task.language);
  return {
    tests: proper.tests.map((t) => ({ path: generatedTestPath(t.path), content: t.content })),
    rationale: `Tests of the solution's public behaviour by the ${LABEL}.`,
  };
}

/** The security review: approves unless `scripted-security:` says otherwise; `reject-once` approves a solution carrying the marker. */
export function scriptedSecurityReview(task: TaskBlock, reviewed: string): SecurityReviewAnswer {
  const directive = securityDirectiveOf(task.description);
  if (directive === undefined || (directive === 'reject-once' && reviewed.includes(SECURITY_REVISION_MARKER))) {
    return { approved: true, findings: [] };
  }
  return {
    approved: false,
    findings: [
      {
        severity: 'high',
        title: 'Scripted high-severity finding',
        detail: `Reported by the ${LABEL} because the task says scripted-security: ${directive}.`,
      },
    ],
  };
}

/** The supervisor's synthesis: `scripted-supervisor: <action> <confidence>`, `accept 0.9` when absent. */
export function scriptedSynthesis(task: TaskBlock): SupervisorSynthesisAnswer {
  const { action, confidence } = supervisorDirectiveOf(task.description);
  return {
    action_plan: [{ action, reason: `Chosen by the ${LABEL} as the task's text scripts it.` }],
    reasoning: `Synthesis of the escalation by the ${LABEL}: ${action.replaceAll('_', ' ')} at confidence ${confidence}.`,
    confidence,
  };
}
