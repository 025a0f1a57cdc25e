import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AGENT_ROLES } from '../../domain/agent-roles.js';
import { PROMPT_UPDATE_STATUSES, PromptBody, PromptUpdateId, isFinalPromptUpdateStatus, promptWorkflowId, type PromptUpdateProposal } from '../../domain/governance.js';
import { taskQueueName } from '../../domain/task-queues.js';
import type { TokenClaims } from '../../domain/schemas/identity.js';
import { NoEarlierPromptError, activePrompt, governanceStatus, listPromptUpdates, rollbackPrompt } from '../../lib/governance.js';
import { PromptApprovalWorkflow } from '../../workflows/index.js';
import { approvePromptUpdate, rejectPromptUpdate } from '../../workflows/messages.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { ConflictError, NotFoundError, UnavailableError } from '../errors.js';
import { bearerAuth, ErrorBody } from './shared.js';
import { DECISION_TIMEOUT_MS, isDeadlineExceeded } from './workflow-decisions.js';

const RoleParams = z.object({ role: z.enum(AGENT_ROLES) });
const UpdateParams = z.object({ id: PromptUpdateId });

const ProposeBody = z
  .object({
    agentRole: z.enum(AGENT_ROLES),
    body: PromptBody,
    reason: z.string().trim().min(1, 'must not be empty').max(2_000, 'must be at most 2000 characters'),
    /** With an id the call is idempotent: a repeat finds the same proposal. */
    updateId: PromptUpdateId.optional(),
  })
  .strict()
  .meta({ id: 'PromptUpdateRequest' });

const DecisionBody = z.object({ comment: z.string().max(2_000, 'must be at most 2000 characters').optional() }).strict().meta({ id: 'PromptDecisionRequest' });

const PromptUpdateView = z
  .object({
    id: z.string(),
    agentRole: z.enum(AGENT_ROLES),
    status: z.enum(PROMPT_UPDATE_STATUSES),
    /** The proposed text (prompts are platform-wide, readable by every role with prompt:read). */
    body: z.string(),
    reason: z.string(),
    source: z.string(),
    proposedBy: z.string(),
    baseVersion: z.number(),
    appliedVersion: z.number().nullable(),
    decidedBy: z.string().nullable(),
    decisionComment: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'PromptUpdate' });

const Accepted = z.object({ updateId: z.string(), workflowId: z.string(), created: z.boolean() }).meta({ id: 'PromptUpdateAccepted' });
const Decided = z.object({ updateId: z.string(), status: z.enum(PROMPT_UPDATE_STATUSES) }).meta({ id: 'PromptDecisionResult' });
const ListQuery = z
  .object({
    status: z.enum(PROMPT_UPDATE_STATUSES).optional(),
    role: z.enum(AGENT_ROLES).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(500).default(50),
  })
  .strict();

const GovernanceRow = z
  .object({
    agentRole: z.enum(AGENT_ROLES),
    updatesToday: z.number(),
    maxUpdatesPerDay: z.number(),
    cooldownSeconds: z.number(),
    cooldownRemainingSeconds: z.number(),
    requiresApproval: z.boolean(),
    canAutoUpdate: z.boolean(),
    pendingApprovals: z.number(),
    waitingForRules: z.number(),
    promptVersion: z.number(),
    lastUpdateAt: z.string().nullable(),
  })
  .meta({ id: 'GovernanceStatus' });

const ActivePromptView = z.object({ role: z.enum(AGENT_ROLES), version: z.number(), body: z.string() }).meta({ id: 'AgentPrompt' });

const newUpdateId = () => `pu-${randomUUID()}`;


export function promptRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const audit = (identity: TokenClaims, action: string, resource: string, outcome: 'allowed' | 'failed', requestId: string, detail: Record<string, unknown> = {}) =>
    writeAudit(deps.db, { tenantId: identity.tenant, actor: identity.sub, role: identity.role, action, resource, outcome, requestId, detail });

  async function decide(identity: TokenClaims, id: string, decision: 'approve' | 'reject', comment: string | undefined, requestId: string) {
    // The database knows first whether there is anything to decide: a final update is not sent to its workflow.
    const [known] = await listPromptUpdates(deps.db, { id, limit: 1 });
    const handle = deps.temporal.workflow.getHandle(promptWorkflowId(id));
    if (!known) {
      // Its workflow records it first thing: a running workflow without a row has no worker yet.
      const running = await handle.describe().then((d) => d.status.name === 'RUNNING', () => false);
      if (running) throw new UnavailableError(`prompt update ${id} is not recorded yet; is a supervisor worker running?`);
      throw new NotFoundError(`no prompt update ${id}`);
    }
    if (isFinalPromptUpdateStatus(known.status)) throw new ConflictError(`prompt update ${id} is already ${known.status}`);
    const update = decision === 'approve' ? approvePromptUpdate : rejectPromptUpdate;
    try {
      // The verified actor travels with the decision; the workflow's validator checks the role again.
      // A workflow no worker runs would keep the caller waiting: the update gets a deadline.
      const status = await deps.temporal.connection.withDeadline(Date.now() + DECISION_TIMEOUT_MS, () =>
        handle.executeUpdate(update, { args: [{ actor: identity.sub, userRole: identity.role, comment }] }),
      );
      await audit(identity, 'prompt:approve', `prompt-update/${id}`, 'allowed', requestId, { decision, status });
      return { updateId: id, status };
    } catch (err) {
      await audit(identity, 'prompt:approve', `prompt-update/${id}`, 'failed', requestId, { decision, error: (err as Error).message });
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no prompt update ${id} is waiting for a decision`);
      if (err instanceof WorkflowUpdateFailedError) throw new ConflictError(`the decision was refused: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      if (isDeadlineExceeded(err)) throw new UnavailableError(`the workflow did not take the decision within ${DECISION_TIMEOUT_MS / 1000} s; is a supervisor worker running?`);
      throw err;
    }
  }

  return async (app) => {
    app.post(
      '/prompts/updates',
      {
        config: { permission: 'prompt:propose' },
        schema: {
          summary: "Propose a change to an agent role's prompt",
          description:
            'Starts PromptApprovalWorkflow `prompt-<updateId>`. The role\'s rules decide at once: applied, held for its daily limit or cooldown (`proposed`), or waiting for approval (`pending_approval`). Poll GET /prompts/updates/:id.',
          security: bearerAuth,
          body: ProposeBody,
          response: { 202: Accepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const identity = request.identity!;
        const updateId = request.body.updateId ?? newUpdateId();
        const proposal: PromptUpdateProposal = {
          updateId,
          agentRole: request.body.agentRole,
          body: request.body.body,
          reason: request.body.reason,
          source: 'operator',
          proposedBy: identity.sub,
        };
        let created = true;
        try {
          await deps.temporal.workflow.start(PromptApprovalWorkflow, {
            taskQueue: taskQueueName('supervisor', deps.config.TEMPORAL_TASK_QUEUE_PREFIX),
            workflowId: promptWorkflowId(updateId),
            args: [proposal],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw new UnavailableError(`the workflow engine did not accept the proposal: ${(err as Error).message}`);
          created = false;
        }
        await audit(identity, 'prompt:propose', `prompt-update/${updateId}`, 'allowed', request.id, { agentRole: proposal.agentRole, created });
        return reply.code(202).send({ updateId, workflowId: promptWorkflowId(updateId), created });
      },
    );

    app.get(
      '/prompts/updates',
      {
        config: { permission: 'prompt:read' },
        schema: {
          summary: 'List prompt updates, newest first (e.g. ?status=pending_approval)',
          security: bearerAuth,
          querystring: ListQuery,
          response: { 200: z.object({ updates: z.array(PromptUpdateView) }).meta({ id: 'PromptUpdateList' }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const { status, role, limit } = request.query;
        return { updates: await listPromptUpdates(deps.db, { statuses: status ? [status] : undefined, role, limit }) };
      },
    );

    app.get(
      '/prompts/updates/:id',
      {
        config: { permission: 'prompt:read' },
        schema: {
          summary: 'One prompt update and where it stands',
          security: bearerAuth,
          params: UpdateParams,
          response: { 200: PromptUpdateView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const [found] = await listPromptUpdates(deps.db, { id: request.params.id, limit: 1 });
        if (!found) throw new NotFoundError(`no prompt update ${request.params.id}`);
        return found;
      },
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/prompts/updates/:id/${decision}`,
        {
          config: { permission: 'prompt:approve' },
          schema: {
            summary: decision === 'approve' ? 'Approve a waiting prompt update' : 'Reject a waiting prompt update',
            description: `Sent to the waiting workflow as the Temporal update \`${decision}\`, with the caller as the decider. An approved update is applied as soon as its role's daily limit and cooldown allow.`,
            security: bearerAuth,
            params: UpdateParams,
            body: DecisionBody,
            response: { 200: Decided, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
          },
        },
        async (request) => decide(request.identity!, request.params.id, decision, request.body.comment, request.id),
      );
    }

    app.get(
      '/prompts/governance',
      {
        config: { permission: 'prompt:read' },
        schema: {
          summary: 'Learning governance per agent role: updates today, limits, cooldowns, pending approvals (the governance_status view)',
          security: bearerAuth,
          response: { 200: z.object({ roles: z.array(GovernanceRow) }).meta({ id: 'GovernanceStatusList' }), 401: ErrorBody, 403: ErrorBody },
        },
      },
      async () => ({ roles: await governanceStatus(deps.db) }),
    );

    app.get(
      '/prompts/:role',
      {
        config: { permission: 'prompt:read' },
        schema: {
          summary: "The prompt an agent role uses now, and its version",
          security: bearerAuth,
          params: RoleParams,
          response: { 200: ActivePromptView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => activePrompt(deps.db, request.params.role),
    );

    app.post(
      '/prompts/:role/rollback',
      {
        config: { permission: 'prompt:approve' },
        schema: {
          summary: "Go back to the role's previous prompt version",
          security: bearerAuth,
          params: RoleParams,
          response: { 200: ActivePromptView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        const identity = request.identity!;
        const { role } = request.params;
        try {
          const version = await rollbackPrompt(deps.db, role, identity.sub);
          await audit(identity, 'prompt:rollback', `prompt/${role}`, 'allowed', request.id, { version });
          return activePrompt(deps.db, role);
        } catch (err) {
          if (err instanceof NoEarlierPromptError) throw new ConflictError(err.message);
          throw err;
        }
      },
    );
  };
}
