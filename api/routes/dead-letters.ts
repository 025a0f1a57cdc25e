import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEAD_LETTER_ACTIONS, DEAD_LETTER_RESOLUTIONS, DeadLetterBody } from '../../domain/dead-letters.js';
import type { TokenClaims } from '../../domain/schemas/identity.js';
import { TaskId } from '../../domain/schemas/task.js';
import { getDeadLetter, listDeadLetters, type DeadLetterView as StoredDeadLetter } from '../../lib/dead-letter-store.js';
import { discardUpdate, redriveUpdate } from '../../workflows/messages.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { OtherTenantError } from '../tenant.js';
import { bearerAuth, ErrorBody } from './shared.js';
import { sendDecision } from './workflow-decisions.js';

/** Dead-letter ids are bigserial; 15 digits stay exact as a JavaScript number. */
export const DeadLetterId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive whole number')
  .transform(Number);

const Params = z.object({ id: DeadLetterId });

const ListQuery = z
  .object({
    resolved: z
      .enum(['true', 'false'], 'must be true or false')
      .transform((v) => v === 'true')
      .optional(),
    taskId: TaskId.optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(500).default(50),
  })
  .strict();

const DeadLetterView = z
  .object({
    id: z.number(),
    originalSubject: z.string(),
    data: z.record(z.string(), z.unknown()),
    error: z.string(),
    errorType: z.string().nullable(),
    attempts: z.number(),
    resolved: z.boolean(),
    resolution: z.enum(DEAD_LETTER_RESOLUTIONS).nullable(),
    resolvedBy: z.string().nullable(),
    tenantId: z.string(),
    taskId: z.string().nullable(),
    workflowId: z.string(),
    step: z.string(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .meta({ id: 'DeadLetter' });

const Decided = z.object({ deadLetterId: z.number(), step: z.string(), action: z.enum(DEAD_LETTER_ACTIONS) }).meta({ id: 'DeadLetterDecisionResult' });

const UPDATES = { redrive: redriveUpdate, discard: discardUpdate } as const;

export function deadLetterRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  /** The caller's dead letter; another tenant's is answered like a missing one, and the attempt is audited. */
  async function ownDeadLetter(identity: TokenClaims, id: number): Promise<StoredDeadLetter> {
    const found = await getDeadLetter(deps.db, id, identity.tenant);
    if (found) return found;
    const { rowCount } = await deps.db.query('SELECT 1 FROM dlq_messages WHERE id = $1', [id]);
    if (rowCount) throw new OtherTenantError('not_found', `no dead letter ${id}`, `dead-letter/${id}`);
    throw new NotFoundError(`no dead letter ${id}`);
  }

  return async (app) => {
    app.get(
      '/dead-letters',
      {
        config: { permission: 'dlq:read' },
        schema: {
          summary: "List the tenant's dead letters, newest first (e.g. ?resolved=false)",
          description: 'A dead letter is a workflow step that exhausted its retries; its task waits for a re-drive or a discard.',
          security: bearerAuth,
          querystring: ListQuery,
          response: { 200: z.object({ deadLetters: z.array(DeadLetterView) }).meta({ id: 'DeadLetterList' }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const { resolved, taskId, limit } = request.query;
        return { deadLetters: await listDeadLetters(deps.db, { tenantId: request.identity!.tenant, resolved, taskId, limit }) };
      },
    );

    app.get(
      '/dead-letters/:id',
      {
        config: { permission: 'dlq:read' },
        schema: {
          summary: 'One dead letter: the failed step, its error and attempts, and how it ended',
          security: bearerAuth,
          params: Params,
          response: { 200: DeadLetterView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => ownDeadLetter(request.identity!, request.params.id),
    );

    for (const action of DEAD_LETTER_ACTIONS) {
      app.post(
        `/dead-letters/:id/${action}`,
        {
          config: { permission: 'dlq:redrive' },
          schema: {
            summary: action === 'redrive' ? 'Run the failed step again' : 'Give up on the failed step; its task ends as discarded',
            description: `Sent to the dead letter's workflow as the Temporal update \`${action}\`, with the caller as \`by\`. 409 when the dead letter is already resolved or the workflow refuses; 503 when no worker takes it within 10 s.`,
            security: bearerAuth,
            params: Params,
            body: DeadLetterBody,
            response: { 200: Decided, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
          },
        },
        async (request) => {
          const identity = request.identity!;
          const { id } = request.params;
          const known = await ownDeadLetter(identity, id);
          if (known.resolved) throw new ConflictError(`dead letter ${id} is already resolved (${known.resolution ?? 'no resolution recorded'})`);
          const audit = (outcome: 'allowed' | 'failed', detail: Record<string, unknown>) =>
            writeAudit(deps.db, {
              tenantId: identity.tenant,
              actor: identity.sub,
              role: identity.role,
              action: `dlq:${action}`,
              resource: `dead-letter/${id}`,
              outcome,
              requestId: request.id,
              sourceAddress: request.ip,
              detail: { workflowId: known.workflowId, step: known.step, ...detail },
            });
          const decision = { deadLetterId: id, by: identity.sub, ...(request.body.comment ? { comment: request.body.comment } : {}) };
          try {
            const taken = await sendDecision(deps.temporal, known.workflowId, UPDATES[action], decision, `the ${action} of dead letter ${id}`);
            await audit('allowed', {});
            return { deadLetterId: taken.deadLetterId, step: taken.step, action };
          } catch (err) {
            await audit('failed', { error: (err as Error).message });
            throw err;
          }
        },
      );
    }
  };
}
