import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FINAL_PROMPT_UPDATE_STATUSES,
  PROMPT_UPDATE_STATUSES,
  PromptDecision,
  PromptUpdateProposal,
  isFinalPromptUpdateStatus,
  mayDecidePromptUpdates,
  promptWorkflowId,
} from '../../domain/governance.js';
import { USER_ROLES } from '../../domain/roles.js';

describe('learning governance, pure parts', () => {
  it('lets only holders of prompt:approve decide', () => {
    assert.deepEqual(USER_ROLES.filter(mayDecidePromptUpdates), ['admin']);
  });

  it('validates decisions strictly, naming the field', () => {
    assert.equal(PromptDecision.safeParse({ actor: 'ann', userRole: 'admin' }).success, true);
    for (const bad of [{ actor: '', userRole: 'admin' }, { actor: 'ann', userRole: 'root' }, { actor: 'ann', userRole: 'admin', extra: true }, { actor: 'ann', userRole: 'admin', comment: 'x'.repeat(2001) }]) {
      assert.equal(PromptDecision.safeParse(bad).success, false, JSON.stringify(bad).slice(0, 80));
    }
  });

  it('validates proposals: known agent role, bounded text, a safe update id', () => {
    const ok = { updateId: 'pu-1', agentRole: 'developer', body: 'Be brief.', reason: 'learned', source: 'learning', proposedBy: 'ann' };
    assert.equal(PromptUpdateProposal.safeParse(ok).success, true);
    for (const [field, value] of [['updateId', '../x'], ['agentRole', 'admin'], ['body', '   '], ['body', 'x'.repeat(20_001)], ['source', 'psql']] as const) {
      const result = PromptUpdateProposal.safeParse({ ...ok, [field]: value });
      assert.equal(result.success, false, `${field}=${String(value).slice(0, 20)}`);
      assert.equal(result.error?.issues[0]?.path[0], field);
    }
  });

  it('knows which statuses are final, and names workflows prompt-<id>', () => {
    assert.deepEqual(PROMPT_UPDATE_STATUSES.filter(isFinalPromptUpdateStatus), [...FINAL_PROMPT_UPDATE_STATUSES]);
    assert.equal(isFinalPromptUpdateStatus('approved'), false, 'approved waits for the rules');
    assert.equal(promptWorkflowId('pu-1'), 'prompt-pu-1');
  });
});
