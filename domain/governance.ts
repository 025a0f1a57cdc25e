import { z } from 'zod';
import { AGENT_ROLES } from './agent-roles.js';
import { roleHasPermission, USER_ROLES, type UserRole } from './roles.js';

/**
 * Learning governance: what a prompt update is, where it can go, and who may
 * decide it. The rules themselves (limits, cooldowns, approval) live in the
 * database (migrations/003_learning_governance.sql), so psql and the platform
 * decide the same way.
 */
export const PROMPT_UPDATE_STATUSES = ['proposed', 'pending_approval', 'approved', 'rejected', 'applied', 'expired', 'rolled_back'] as const;
export type PromptUpdateStatus = (typeof PROMPT_UPDATE_STATUSES)[number];

/** Statuses after which nothing more happens to an update (except a rollback of an applied one). */
export const FINAL_PROMPT_UPDATE_STATUSES: readonly PromptUpdateStatus[] = ['rejected', 'applied', 'expired', 'rolled_back'];

export function isFinalPromptUpdateStatus(status: PromptUpdateStatus): boolean {
  return FINAL_PROMPT_UPDATE_STATUSES.includes(status);
}

export const PROMPT_UPDATE_SOURCES = ['operator', 'learning'] as const;

export const PromptUpdateId = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be 1-100 letters, digits, "_", "." or "-"');
export const PromptBody = z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters');

/** What a proposal carries; the API fills `proposedBy` from the verified token. */
export const PromptUpdateProposal = z
  .object({
    updateId: PromptUpdateId,
    agentRole: z.enum(AGENT_ROLES),
    body: PromptBody,
    reason: z.string().trim().min(1, 'must not be empty').max(2_000, 'must be at most 2000 characters'),
    source: z.enum(PROMPT_UPDATE_SOURCES),
    proposedBy: z.string().min(1).max(200),
  })
  .strict()
  .meta({ id: 'PromptUpdateProposal' });
export type PromptUpdateProposal = z.infer<typeof PromptUpdateProposal>;

/**
 * A human decision, sent to the waiting workflow as an update. The API has
 * verified the actor and their role; a direct `temporal workflow update` by
 * someone with namespace access is trusted as who it says it is.
 */
export const PromptDecision = z
  .object({
    actor: z.string().min(1, 'must name who decides').max(200),
    userRole: z.enum(USER_ROLES),
    comment: z.string().max(2_000, 'must be at most 2000 characters').optional(),
  })
  .strict()
  .meta({ id: 'PromptDecision' });
export type PromptDecision = z.infer<typeof PromptDecision>;

/** Only holders of `prompt:approve` decide prompt updates, whichever agent role they change. */
export function mayDecidePromptUpdates(role: UserRole): boolean {
  return roleHasPermission(role, 'prompt:approve');
}

/** Timing the worker hands the workflow with the database's first decision. */
export interface PromptUpdateTiming {
  /** When the update expires if nobody decides and the rules never let it through. */
  expiresAt: string;
  /** Pending longer than this raises the seed's warning. */
  warnAfterSeconds: number;
  /** How often the workflow asks the database again (approvals in psql, cooldowns ending). */
  recheckSeconds: number;
}

export interface PromptUpdateState {
  status: PromptUpdateStatus;
  appliedVersion: number | null;
}

export const PROMPT_WORKFLOW_PREFIX = 'prompt-';

export function promptWorkflowId(updateId: string): string {
  return `${PROMPT_WORKFLOW_PREFIX}${updateId}`;
}
