import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_ROLES } from '../../domain/agent-roles.js';
import {
  ANSWER_KIND_BY_ROLE,
  ANSWER_KINDS,
  ANSWER_SCHEMAS,
  SUPERVISOR_ACTIONS,
  parseAgentAnswer,
  type AnswerKind,
  type AnswerOf,
  type AnswerResult,
} from '../../domain/llm/answer-schemas.js';

const file = { path: 'src/app.py', content: 'print(1)' };
const test = { path: 'tests/test_app.py', content: 'def test_x(): pass' };

const VALID: Record<AnswerKind, Record<string, unknown>> = {
  developerSolution: { summary: 'adds app', files: [file], tests: [test] },
  testGeneration: { tests: [test], rationale: 'covers the happy path' },
  reviewVote: { verdict: 'approve', score: 0.8, reasons: ['clear code'] },
  securityReview: { approved: true, findings: [{ severity: 'low', title: 'verbose log', detail: 'logs input' }] },
  architectReview: { approved: false, concerns: ['god object'], recommendations: [] },
  supervisorSynthesis: {
    action_plan: [{ action: 'add_tests', target: 'src/app.py', reason: 'no edge cases' }],
    reasoning: 'tests are thin',
    confidence: 0.7,
  },
};

function rejected<T>(result: AnswerResult<T>, expectedReason: string, field: RegExp): void {
  assert.equal(result.ok, false, 'expected a rejection');
  if (!result.ok) {
    assert.equal(result.reason, expectedReason, result.detail);
    assert.match(result.detail, field);
  }
}

function parse<K extends AnswerKind>(kind: K, answer: unknown): AnswerResult<AnswerOf<K>> {
  return parseAgentAnswer(kind, `Here you go:\n\`\`\`json\n${JSON.stringify(answer)}\n\`\`\``);
}

describe('answer schemas', () => {
  it('has one schema per agent role', () => {
    for (const role of AGENT_ROLES) assert.ok(ANSWER_SCHEMAS[ANSWER_KIND_BY_ROLE[role]], role);
    assert.equal(ANSWER_KINDS.length, AGENT_ROLES.length);
  });

  it('accepts a valid answer of every kind', () => {
    for (const kind of ANSWER_KINDS) {
      const result = parse(kind, VALID[kind]);
      assert.equal(result.ok, true, `${kind}: ${result.ok ? '' : result.detail}`);
    }
  });

  it('refuses unknown keys in every kind, naming them', () => {
    for (const kind of ANSWER_KINDS) {
      rejected(parse(kind, { ...VALID[kind], extra: 1 }), 'schema', /extra/);
    }
  });

  it('passes extraction failures through', () => {
    rejected(parseAgentAnswer('reviewVote', 'no json here'), 'not_json', /no JSON/);
    rejected(parseAgentAnswer('reviewVote', '{"__proto__": {}}'), 'forbidden_key', /__proto__/);
    rejected(parseAgentAnswer('reviewVote', '{"verdict": ', {}), 'invalid_json', /never closed/);
    rejected(parseAgentAnswer('reviewVote', JSON.stringify(VALID.reviewVote), { maxChars: 10 }), 'too_large', /10/);
  });
});

describe('developer answer', () => {
  it('accepts an optional explanation on top of DeveloperSolution', () => {
    const result = parse('developerSolution', { ...VALID.developerSolution, explanation: 'why' });
    assert.equal(result.ok && result.value.explanation, 'why');
  });

  it('refuses escaping paths and an empty file list', () => {
    rejected(parse('developerSolution', { ...VALID.developerSolution, files: [{ path: '../x', content: '' }] }), 'schema', /files\.0\.path/);
    rejected(parse('developerSolution', { ...VALID.developerSolution, files: [] }), 'schema', /files/);
    rejected(parse('developerSolution', { files: [file], tests: [] }), 'schema', /summary/);
  });
});

describe('test generation answer', () => {
  it('needs at least one test and a rationale', () => {
    rejected(parse('testGeneration', { tests: [], rationale: 'x' }), 'schema', /tests/);
    rejected(parse('testGeneration', { tests: [test], rationale: '  ' }), 'schema', /rationale/);
    rejected(parse('testGeneration', { tests: [{ path: '/etc/passwd', content: '' }], rationale: 'x' }), 'schema', /tests\.0\.path/);
  });
});

describe('review vote answer', () => {
  it('bounds verdict, score and reasons', () => {
    rejected(parse('reviewVote', { ...VALID.reviewVote, verdict: 'lgtm' }), 'schema', /verdict/);
    rejected(parse('reviewVote', { ...VALID.reviewVote, score: 1.5 }), 'schema', /score/);
    rejected(parse('reviewVote', { ...VALID.reviewVote, score: -0.1 }), 'schema', /score/);
    rejected(parse('reviewVote', { ...VALID.reviewVote, reasons: [] }), 'schema', /reasons/);
    rejected(parse('reviewVote', { ...VALID.reviewVote, reasons: Array(21).fill('r') }), 'schema', /reasons/);
    assert.equal(parse('reviewVote', { ...VALID.reviewVote, verdict: 'reject', score: 0 }).ok, true);
  });
});

describe('security review answer', () => {
  const finding = (severity: string) => ({ severity, title: 't', detail: 'd', file: 'src/db.py', line: 12 });

  it('refuses approval with a high or critical finding', () => {
    for (const severity of ['high', 'critical']) {
      rejected(parse('securityReview', { approved: true, findings: [finding('low'), finding(severity)] }), 'schema', /approved: must be false/);
      assert.equal(parse('securityReview', { approved: false, findings: [finding(severity)] }).ok, true);
    }
    assert.equal(parse('securityReview', { approved: true, findings: [finding('medium')] }).ok, true);
    assert.equal(parse('securityReview', { approved: true, findings: [] }).ok, true);
  });

  it('checks each finding field', () => {
    rejected(parse('securityReview', { approved: false, findings: [finding('severe')] }), 'schema', /findings\.0\.severity/);
    rejected(parse('securityReview', { approved: false, findings: [{ ...finding('low'), line: 0 }] }), 'schema', /findings\.0\.line/);
    rejected(parse('securityReview', { approved: false, findings: [{ ...finding('low'), file: '../../etc/passwd' }] }), 'schema', /findings\.0\.file/);
    rejected(parse('securityReview', { approved: false, findings: [{ severity: 'low', title: 't' }] }), 'schema', /findings\.0\.detail/);
  });
});

describe('architect review answer', () => {
  it('requires all three fields', () => {
    rejected(parse('architectReview', { approved: 'yes', concerns: [] }), 'schema', /approved.*recommendations|recommendations.*approved/);
  });
});

describe('supervisor synthesis answer', () => {
  it('accepts every known action', () => {
    for (const action of SUPERVISOR_ACTIONS) {
      const answer = { ...VALID.supervisorSynthesis, action_plan: [{ action, reason: 'because' }] };
      assert.equal(parse('supervisorSynthesis', answer).ok, true, action);
    }
  });

  it('refuses unknown actions, empty plans and out-of-range confidence', () => {
    const step = { action: 'rm_rf_workspace', reason: 'x' };
    rejected(parse('supervisorSynthesis', { ...VALID.supervisorSynthesis, action_plan: [step] }), 'schema', /action_plan\.0\.action/);
    rejected(parse('supervisorSynthesis', { ...VALID.supervisorSynthesis, action_plan: [] }), 'schema', /action_plan/);
    rejected(parse('supervisorSynthesis', { ...VALID.supervisorSynthesis, confidence: 2 }), 'schema', /confidence/);
    rejected(parse('supervisorSynthesis', { ...VALID.supervisorSynthesis, actionPlan: [] }), 'schema', /actionPlan/);
  });
});
