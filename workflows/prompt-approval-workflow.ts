import { ApplicationFailure, allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  PromptDecision,
  PromptUpdateProposal,
  isFinalPromptUpdateStatus,
  mayDecidePromptUpdates,
  promptWorkflowId,
  type PromptUpdateState,
  type PromptUpdateStatus,
} from '../domain/governance.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import { describeZodError } from '../domain/validation.js';
import { approvePromptUpdate, promptUpdateStateQuery, rejectPromptUpdate } from './messages.js';
import { waitingActivities } from './durable-wait.js';

const governance = waitingActivities(ACTIVITY_KINDS.records);

// The workflow clock: replayed from history, so deterministic.
const workflowNow = () => new Date().getTime();

export interface PromptApprovalResult {
  updateId: string;
  agentRole: PromptUpdateProposal['agentRole'];
  status: PromptUpdateStatus;
  appliedVersion: number | null;
}

/**
 * One proposed change to an agent role's prompt (id `prompt-<updateId>`). The
 * database decides at once — apply, hold for the role's limit or cooldown, or
 * wait for a human. A waiting update takes `approve`/`reject` updates, and
 * asks the database again on a timer, so an approval made in psql with the
 * seed's `approve_prompt_update` ends it too: both paths are one SQL function.
 */
export async function PromptApprovalWorkflow(rawInput: unknown): Promise<PromptApprovalResult> {
  const parsed = PromptUpdateProposal.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid PromptApprovalWorkflow input: ${describeZodError(parsed.error)}`, 'InvalidInputError');
  }
  const proposal = parsed.data;
  const { workflowId, startTime } = workflowInfo();
  if (workflowId !== promptWorkflowId(proposal.updateId)) {
    throw ApplicationFailure.nonRetryable(`workflow id must be ${promptWorkflowId(proposal.updateId)}, not ${workflowId}`, 'InvalidInputError');
  }

  const first = await governance.proposePromptUpdate(proposal);
  let state: PromptUpdateState = { status: first.status, appliedVersion: first.appliedVersion };
  let decisionsInFlight = 0;
  setHandler(promptUpdateStateQuery, () => state);

  const decide = (decision: 'approve' | 'reject') => async (d: PromptDecision): Promise<PromptUpdateStatus> => {
    decisionsInFlight += 1;
    try {
      const status = await governance.decidePromptUpdate({ updateId: proposal.updateId, decision, actor: d.actor, comment: d.comment });
      state = { ...state, ...(await governance.recheckPromptUpdate({ updateId: proposal.updateId })) };
      return status;
    } finally {
      decisionsInFlight -= 1;
    }
  };
  const validator = (raw: unknown) => {
    const d = PromptDecision.safeParse(raw);
    if (!d.success) throw new Error(`invalid decision: ${describeZodError(d.error)}`);
    if (!mayDecidePromptUpdates(d.data.userRole)) throw new Error(`a ${d.data.userRole} may not decide prompt updates (needs prompt:approve)`);
    if (isFinalPromptUpdateStatus(state.status)) throw new Error(`the update is already ${state.status}`);
  };
  setHandler(approvePromptUpdate, decide('approve'), { validator });
  setHandler(rejectPromptUpdate, decide('reject'), { validator });

  const expiresAt = Date.parse(first.expiresAt);
  const warnAt = startTime.getTime() + first.warnAfterSeconds * 1000;
  let warned = false;
  while (!isFinalPromptUpdateStatus(state.status)) {
    const now = workflowNow();
    // Wake for whichever comes first: the next recheck, the warning, the deadline.
    const wake = Math.min(first.recheckSeconds * 1000, Math.max(expiresAt - now, 0) + 1, warned ? Infinity : Math.max(warnAt - now, 0) + 1);
    await condition(() => isFinalPromptUpdateStatus(state.status), wake);
    if (isFinalPromptUpdateStatus(state.status)) break;
    if (!warned && state.status === 'pending_approval' && workflowNow() >= warnAt) {
      warned = true;
      await governance.reportOverduePromptApproval({ updateId: proposal.updateId, agentRole: proposal.agentRole, pendingSeconds: Math.round((workflowNow() - startTime.getTime()) / 1000) });
    }
    // Not while a decision is being written: its own recheck follows it.
    if (decisionsInFlight === 0) state = await governance.recheckPromptUpdate({ updateId: proposal.updateId });
  }
  await condition(allHandlersFinished);
  return { updateId: proposal.updateId, agentRole: proposal.agentRole, status: state.status, appliedVersion: state.appliedVersion };
}
