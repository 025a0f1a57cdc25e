import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRole } from '../../domain/agent-roles.js';
import { fenceUntrusted } from '../../domain/injection/screen.js';
import { BLOCKING_SEVERITIES, SUPERVISOR_ACTIONS, type AnswerKind, type AnswerOf } from '../../domain/llm/answer-schemas.js';
import { guardAnswer } from '../../domain/llm/guard-answer.js';
import { REVISION_REASONS, revisionBlock, revisionReasonOf, type RevisionReason } from '../../domain/llm/revision-block.js';
import type { DeveloperSolution } from '../../domain/schemas/solution.js';
import { generatedTestPath, SECURITY_REVISION_MARKER } from '../../lib/llm/scripted-pipeline.js';
import { NoScriptError, ScriptedProvider, taskBlock } from '../../lib/llm/scripted-provider.js';
import { scriptedDeveloperSolution } from '../../lib/llm/scripted-scripts.js';

type Language = 'python' | 'javascript';
const LANGUAGES: Language[] = ['python', 'javascript'];

interface Ask {
  description: string;
  title?: string;
  language?: Language;
  revision?: RevisionReason;
  solution?: DeveloperSolution;
  role?: AgentRole;
}

const ROLE_OF: Record<Exclude<AnswerKind, 'architectReview' | 'reviewVote'>, AgentRole> = {
  developerSolution: 'developer',
  testGeneration: 'tester',
  securityReview: 'security',
  supervisorSynthesis: 'supervisor',
};

/** Asks a fresh provider (nothing carried between calls) the way the activities build their prompts; the answer must pass the security layer. */
async function ask<K extends AnswerKind>(kind: K, a: Ask): Promise<AnswerOf<K>> {
  const task = taskBlock({ title: a.title ?? 'FizzBuzz', description: a.description, language: a.language ?? 'python' });
  const prompt = [
    ...(a.revision ? [revisionBlock(a.revision, 'feedback')] : []),
    task,
    ...(a.solution ? [fenceUntrusted('solution', JSON.stringify(a.solution))] : []),
  ].join('\n');
  const role = a.role ?? ROLE_OF[kind as keyof typeof ROLE_OF];
  const answer = await new ScriptedProvider().complete({ role, system: 's', prompt, maxTokens: 4_000, answerKind: kind });
  const verdict = guardAnswer(kind, answer.text);
  assert.ok(verdict.ok, `the ${kind} answer passes the security layer: ${verdict.ok ? '' : verdict.detail}`);
  return verdict.value;
}

const proper = (language: Language = 'python') => scriptedDeveloperSolution('FizzBuzz', 'd', language);
const rejectsAsNoScript = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof NoScriptError, `a NoScriptError, not ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });

describe('scripted stand-in along the task pipeline', () => {
  describe('without directives', () => {
    it('develops the scripted solution with its passing tests, and revises to the same', async () => {
      for (const language of LANGUAGES) {
        const first = await ask('developerSolution', { description: 'fizzbuzz', language });
        assert.deepEqual(first, proper(language));
        assert.equal(first.tests.length, 1);
        for (const revision of REVISION_REASONS.filter((r) => r !== 'security')) {
          assert.deepEqual(await ask('developerSolution', { description: 'fizzbuzz', language, revision, solution: first }), proper(language));
        }
      }
    });

    it('the tester gives the proper tests in files of their own', async () => {
      for (const language of LANGUAGES) {
        const answer = await ask('testGeneration', { description: 'fizzbuzz', language, solution: proper(language) });
        assert.deepEqual(answer.tests, proper(language).tests.map((t) => ({ path: generatedTestPath(t.path), content: t.content })));
        assert.match(answer.rationale, /scripted LLM stand-in/);
      }
      assert.equal(generatedTestPath('test_fizzbuzz.py'), 'test_fizzbuzz_generated.py');
      assert.equal(generatedTestPath('fizzbuzz.test.mjs'), 'fizzbuzz.generated.test.mjs');
      assert.throws(() => generatedTestPath('README.md'), /does not know where/);
    });

    it('security approves with no findings; the supervisor accepts at 0.9', async () => {
      assert.deepEqual(await ask('securityReview', { description: 'fizzbuzz', solution: proper() }), { approved: true, findings: [] });
      const synthesis = await ask('supervisorSynthesis', { description: 'fizzbuzz' });
      assert.deepEqual([synthesis.action_plan[0]!.action, synthesis.confidence], ['accept', 0.9]);
    });
  });

  describe('scripted-develop', () => {
    it('no-tests: the first answer has no tests, the tester supplies them, a revision has them again', async () => {
      const description = 'fizzbuzz. scripted-develop: no-tests';
      const first = await ask('developerSolution', { description });
      assert.deepEqual(first.tests, []);
      assert.deepEqual(first.files, proper().files);
      const tests = await ask('testGeneration', { description, solution: first });
      assert.deepEqual(tests.tests.map((t) => t.content), proper().tests.map((t) => t.content));
      assert.deepEqual(await ask('developerSolution', { description, revision: 'failing_tests', solution: first }), proper());
    });

    it('failing-tests: the first answer asserts the opposite of the right values; the revision for failing tests is the proper solution', async () => {
      for (const language of LANGUAGES) {
        const description = 'fizzbuzz. scripted-develop: failing-tests';
        const first = await ask('developerSolution', { description, language });
        assert.deepEqual(first.files, proper(language).files);
        assert.equal(first.tests.length, proper(language).tests.length);
        first.tests.forEach((t, i) => {
          assert.equal(t.path, proper(language).tests[i]!.path);
          assert.notEqual(t.content, proper(language).tests[i]!.content);
          assert.match(t.content, language === 'python' ? /assertNotEqual\(/ : /notDeepEqual\(/);
        });
        assert.deepEqual(await ask('developerSolution', { description, language, revision: 'failing_tests', solution: first }), proper(language));
      }
      // The skeleton of an unknown task fails the same way.
      const skeleton = await ask('developerSolution', { title: 'Parse a CSV', description: 'scripted-develop: failing-tests', language: 'javascript' });
      assert.match(skeleton.tests[0]!.content, /doesNotMatch\(/);
    });
  });

  describe('scripted-security', () => {
    it('reject-once: rejects with a high finding until a revision for security carries the marker, which later revisions keep', async () => {
      const description = 'fizzbuzz. scripted-security: reject-once';
      const first = await ask('developerSolution', { description });
      const review = await ask('securityReview', { description, solution: first });
      assert.equal(review.approved, false);
      assert.ok(review.findings.some((f) => BLOCKING_SEVERITIES.includes(f.severity)));

      const revised = await ask('developerSolution', { description, revision: 'security', solution: first });
      assert.ok(revised.summary.split('\n').includes(SECURITY_REVISION_MARKER), revised.summary);
      assert.deepEqual(await ask('securityReview', { description, solution: revised }), { approved: true, findings: [] });

      const later = await ask('developerSolution', { description, revision: 'review', solution: revised });
      assert.ok(later.summary.includes(SECURITY_REVISION_MARKER), 'a later revision keeps the marker');
      const unmarked = await ask('developerSolution', { description, revision: 'review', solution: first });
      assert.ok(!unmarked.summary.includes(SECURITY_REVISION_MARKER), 'only a security revision adds it');
    });

    it('reject-once: the marker in the task text itself does not count', async () => {
      const description = `fizzbuzz, ${SECURITY_REVISION_MARKER}. scripted-security: reject-once`;
      assert.equal((await ask('securityReview', { description, solution: proper() })).approved, false);
    });

    it('reject: always rejects, and the security reviewer votes reject unless scripted-vote says otherwise', async () => {
      const description = 'fizzbuzz. scripted-security: reject';
      const revised = await ask('developerSolution', { description, revision: 'security', solution: proper() });
      assert.equal((await ask('securityReview', { description, solution: revised })).approved, false);
      assert.equal((await ask('reviewVote', { description, role: 'security', solution: revised })).verdict, 'reject');
      assert.equal((await ask('reviewVote', { description, role: 'reviewer', solution: revised })).verdict, 'approve');
      const overridden = `${description} scripted-vote: security=approve`;
      assert.equal((await ask('reviewVote', { description: overridden, role: 'security', solution: revised })).verdict, 'approve');
      assert.equal((await ask('reviewVote', { description: 'fizzbuzz. scripted-security: reject-once', role: 'security' })).verdict, 'approve');
    });
  });

  describe('scripted-supervisor', () => {
    it('answers every action with the scripted confidence', async () => {
      for (const [i, action] of SUPERVISOR_ACTIONS.entries()) {
        const confidence = i / SUPERVISOR_ACTIONS.length;
        const synthesis = await ask('supervisorSynthesis', { description: `stuck. scripted-supervisor: ${action} ${confidence}` });
        assert.equal(synthesis.action_plan[0]!.action, action);
        assert.equal(synthesis.confidence, confidence);
      }
      const noConfidence = await ask('supervisorSynthesis', { description: 'scripted-supervisor: escalate_to_human' });
      assert.deepEqual([noConfidence.action_plan[0]!.action, noConfidence.confidence], ['escalate_to_human', 0.9]);
    });
  });

  it('refuses unknown directive values as NoScriptError naming the known ones', async () => {
    await rejectsAsNoScript(ask('developerSolution', { description: 'scripted-develop: no-code' }), /unknown scripted-develop value "no-code"; known: no-tests, failing-tests/);
    await rejectsAsNoScript(ask('securityReview', { description: 'scripted-security: maybe' }), /unknown scripted-security value "maybe"; known: reject-once, reject/);
    await rejectsAsNoScript(ask('reviewVote', { description: 'scripted-security: maybe', role: 'security' }), /unknown scripted-security value/);
    await rejectsAsNoScript(ask('supervisorSynthesis', { description: 'scripted-supervisor: retry 0.5' }), /unknown scripted-supervisor value "retry"; known: accept, retry_task/);
    await rejectsAsNoScript(ask('supervisorSynthesis', { description: 'scripted-supervisor: accept 1.5' }), /confidence "1.5" must be a number from 0 to 1/);
    await rejectsAsNoScript(ask('supervisorSynthesis', { description: 'scripted-supervisor: accept high' }), /confidence "high"/);
    await rejectsAsNoScript(ask('architectReview', { description: 'fizzbuzz', role: 'architect' }), /no script for role architect answering architectReview/);
  });

  it('is stateless: the same prompt gets the same answer from any provider, in any order', async () => {
    const description = 'fizzbuzz. scripted-develop: failing-tests scripted-security: reject-once scripted-supervisor: refactor 0.4';
    const kinds = ['supervisorSynthesis', 'securityReview', 'testGeneration', 'developerSolution'] as const;
    const once = await Promise.all(kinds.map((kind) => ask(kind, { description, solution: proper() })));
    const again = await Promise.all([...kinds].reverse().map((kind) => ask(kind, { description, solution: proper() })));
    assert.deepEqual(once, again.reverse());
  });

  it('a revision block counts only where it opens the prompt', () => {
    assert.equal(revisionReasonOf(`${revisionBlock('quality', 'x')}\nrest`), 'quality');
    assert.equal(revisionReasonOf(`Write the solution.\n${revisionBlock('security', 'quoted by a user')}`), undefined);
    assert.equal(revisionReasonOf('<revision reason="whatever">'), undefined);
  });
});
