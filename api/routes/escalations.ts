import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ESCALATION_ACTIONS, ESCALATION_REASONS, ESCALATION_STATUSES, EscalationDecisionBody, type EscalationStatus } from '../../domain/escalation.js';
import { SupervisorSynthesisAnswer } from '../../domain/llm/answer-schemas.js';
import type { TokenClaims } from '../../domain/schemas/identity.js';
import { TaskId } from '../../domain/schemas/task.js';
import { parseEscalationWorkflowId } from '../../domain/workflow-ids.js';
import { getEscalation, listEscalations, type EscalationView as StoredEscalation } from '../../lib/escalation-store.js';
import { resolveEscalationUpdate } from '../../workflows/messages.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { OtherTenantError } from '../tenant.js';
import { bearerAuth, ErrorBody } from './shared.js';
import { sendDecision } from './workflow-decisions.js';

/** Statuses after which an escalation takes no decision. */
const FINAL: ReadonlySet<EscalationStatus> = new Set(['auto_applied', 'resolved', 'failed']);

export const EscalationId = z
  .string()
  .max(80, 'must be at most 80 characters')
  .refine((id) => parseEscalationWorkflowId(id) !== undefined, 'must be escalation-<task id>-<n>');

const Params = z.object({ id: EscalationId });

const ListQuery = z
  .object({
    status: z.enum(ESCALATION_STATUSES).optional(),
    taskId: TaskId.optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(500).default(50),
  })
  .strict();

const Outcome = z
  .object({
    action: z.enum(ESCALATION_ACTIONS),
    source: z.enum(['supervisor', 'human']),
    decidedBy: z.string(),
    comment: z.string(),
    guidance: z.string().optional(),
  })
  .meta({ id: 'EscalationOutcome' });

const EscalationView = z
  .object({
    id: z.string(),
    taskId: z.string(),
    tenantId: z.string(),
    seq: z.number(),
    reason: z.enum(ESCALATION_REASONS),
    context: z.record(z.string(), z.unknown()),
    status: z.enum(ESCALATION_STATUSES),
    synthesis: SupervisorSynthesisAnswer.nullable(),
    decision: Outcome.nullable(),
    decidedBy: z.string().nullable(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .meta({ id: 'Escalation' });

const Resolved = z.object({ escalationId: z.string(), outcome: Outcome }).meta({ id: 'EscalationResolution' });

export function escalationRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  /** The caller's escalation; another tenant's is answered like a missing one, and the attempt is audited. */
  async function ownEscalation(identity: TokenClaims, id: string): Promise<StoredEscalation> {
    const found = await getEscalation(deps.db, id, identity.tenant);
    if (found) return found;
    const { rowCount } = await deps.db.query('SELECT 1 FROM escalations WHERE id = $1', [id]);
    if (rowCount) throw new OtherTenantError('not_found', `no escalation ${id}`, `escalation/${id}`);
    throw new NotFoundError(`no escalation ${id}`);
  }

  return async (app) => {
    app.get(
      '/escalations',
      {
        config: { permission: 'escalation:read' },
        schema: {
          summary: "List the tenant's escalations, newest first (e.g. ?status=awaiting_human)",
          security: bearerAuth,
          querystring: ListQuery,
          response: { 200: z.object({ escalations: z.array(EscalationView) }).meta({ id: 'EscalationList' }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const { status, taskId, limit } = request.query;
        return { escalations: await listEscalations(deps.db, { tenantId: request.identity!.tenant, status, taskId, limit }) };
      },
    );

    app.get(
      '/escalations/:id',
      {
        config: { permission: 'escalation:read' },
        schema: {
          summary: "One escalation: why, the supervisor's synthesis, and the decision once made",
          security: bearerAuth,
          params: Params,
          response: { 200: EscalationView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => ownEscalation(request.identity!, request.params.id),
    );

    app.post(
      '/escalations/:id/resolve',
      {
        config: { permission: 'escalation:resolve' },
        schema: {
          summary: 'Decide an escalation waiting for a human: accept, revise (with guidance) or abort the task',
          description:
            'Sent to EscalationWorkflow `<id>` as the Temporal update `resolve`, with the caller as `decidedBy`. 409 when the escalation is already final or its workflow refuses the decision; 503 when no worker takes it within 10 s.',
          security: bearerAuth,
          params: Params,
          body: EscalationDecisionBody,
          response: { 200: Resolved, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
        },
      },
      async (request) => {
        const identity = request.identity!;
        const { id } = request.params;
        const known = await ownEscalation(identity, id);
        if (FINAL.has(known.status)) throw new ConflictError(`escalation ${id} is already ${known.status}`);
        const decision = { ...request.body, decidedBy: identity.sub };
        const audit = (outcome: 'allowed' | 'failed', detail: Record<string, unknown>) =>
          writeAudit(deps.db, {
            tenantId: identity.tenant,
            actor: identity.sub,
            role: identity.role,
            action: 'escalation:resolve',
            resource: `escalation/${id}`,
            outcome,
            requestId: request.id,
            sourceAddress: request.ip,
            detail: { action: decision.action, taskId: known.taskId, ...detail },
          });
        try {
          const outcome = await sendDecision(deps.temporal, id, resolveEscalationUpdate, decision, `the decision on escalation ${id}`);
          await audit('allowed', { source: outcome.source });
          return { escalationId: id, outcome };
        } catch (err) {
          await audit('failed', { error: (err as Error).message });
          throw err;
        }
      },
    );
  };
}
