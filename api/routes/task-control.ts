import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Guidance, TASK_EVENT_KINDS } from '../../domain/task-pipeline.js';
import { TaskId } from '../../domain/schemas/task.js';
import type { TokenClaims } from '../../domain/schemas/identity.js';
import { TASK_STATUSES, TERMINAL_TASK_STATUSES } from '../../domain/task-status.js';
import { listTaskEvents } from '../../lib/task-events.js';
import { addGuidanceSignal } from '../../workflows/messages.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { ConflictError, UnavailableError } from '../errors.js';
import { getTask } from '../task-service.js';
import { bearerAuth, ErrorBody } from './shared.js';

const Params = z.object({ id: TaskId });

const TaskEventView = z
  .object({ seq: z.number(), kind: z.enum(TASK_EVENT_KINDS), step: z.string(), detail: z.record(z.string(), z.unknown()), at: z.string() })
  .meta({ id: 'TaskEvent' });

const History = z.object({ taskId: z.string(), status: z.enum(TASK_STATUSES), events: z.array(TaskEventView) }).meta({ id: 'TaskHistory' });

const GuidanceBody = Guidance.pick({ text: true }).strict().meta({ id: 'TaskGuidanceBody' });
const CancelBody = z
  .object({ reason: z.string().trim().max(2_000, 'must be at most 2000 characters').optional() })
  .strict()
  .meta({ id: 'TaskCancelBody' });

const Accepted = z.object({ taskId: z.string(), workflowId: z.string() }).meta({ id: 'TaskControlAccepted' });

export function taskControlRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  /** The caller's task while its workflow still runs; a finished one takes no more instructions. */
  async function openTask(identity: TokenClaims, id: string, verb: string) {
    const task = await getTask(deps.db, identity, id);
    if (TERMINAL_TASK_STATUSES.has(task.status)) throw new ConflictError(`task ${id} is already ${task.status}; there is nothing to ${verb}`);
    return task;
  }

  /** Temporal's answer to a signal or cancel request: a closed workflow is a conflict, anything else an unavailable engine. */
  async function toWorkflow(workflowId: string, what: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConflictError(`${what}: workflow ${workflowId} is no longer running`);
      throw new UnavailableError(`${what}: the workflow engine did not take it: ${(err as Error).message}`);
    }
  }

  const audit = (identity: TokenClaims, action: string, id: string, requestId: string, ip: string, detail: Record<string, unknown>) =>
    writeAudit(deps.db, { tenantId: identity.tenant, actor: identity.sub, role: identity.role, action, resource: `task/${id}`, outcome: 'allowed', requestId, sourceAddress: ip, detail });

  return async (app) => {
    app.get(
      '/tasks/:id/history',
      {
        config: { permission: 'task:read' },
        schema: {
          summary: "A task's timeline: solutions, guards, reviews, escalations, dead letters, guidance, in order",
          security: bearerAuth,
          params: Params,
          response: { 200: History, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const identity = request.identity!;
        const task = await getTask(deps.db, identity, request.params.id);
        return { taskId: task.id, status: task.status, events: await listTaskEvents(deps.db, task.id, identity.tenant) };
      },
    );

    app.post(
      '/tasks/:id/guidance',
      {
        config: { permission: 'task:guide' },
        schema: {
          summary: 'Give the developer agent of a running task guidance; it sees it from its next call on',
          description: 'Sent to TaskWorkflow `task-<id>` as the Temporal signal `addGuidance`, with the caller as `by`. 409 when the task has finished.',
          security: bearerAuth,
          params: Params,
          body: GuidanceBody,
          response: { 202: Accepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const identity = request.identity!;
        const task = await openTask(identity, request.params.id, 'guide');
        const guidance: Guidance = { text: request.body.text, by: identity.sub };
        await toWorkflow(task.workflowId, `guidance for task ${task.id}`, () => deps.temporal.workflow.getHandle(task.workflowId).signal(addGuidanceSignal, guidance));
        await audit(identity, 'task:guide', task.id, request.id, request.ip, { workflowId: task.workflowId, characters: guidance.text.length });
        return reply.code(202).send({ taskId: task.id, workflowId: task.workflowId });
      },
    );

    app.post(
      '/tasks/:id/cancel',
      {
        config: { permission: 'task:cancel' },
        schema: {
          summary: 'Cancel a running task',
          description:
            "Requests cancellation of TaskWorkflow `task-<id>`; the workflow records the task as `cancelled` and releases what it holds. 202: requested, poll GET /tasks/:id. 409 when the task has finished.",
          security: bearerAuth,
          params: Params,
          body: CancelBody,
          response: { 202: Accepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const identity = request.identity!;
        const task = await openTask(identity, request.params.id, 'cancel');
        await toWorkflow(task.workflowId, `cancelling task ${task.id}`, () => deps.temporal.workflow.getHandle(task.workflowId).cancel().then(() => undefined));
        await audit(identity, 'task:cancel', task.id, request.id, request.ip, { workflowId: task.workflowId, ...(request.body.reason ? { reason: request.body.reason } : {}) });
        return reply.code(202).send({ taskId: task.id, workflowId: task.workflowId });
      },
    );
  };
}
