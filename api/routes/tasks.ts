import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateTaskBody, TaskId, TaskView } from '../../domain/schemas/task.js';
import type { Client } from '@temporalio/client';
import { AGENT_ROLES, type AgentRole } from '../../domain/agent-roles.js';
import { TASK_STATUSES } from '../../domain/task-status.js';
import { taskIdFromWorkflowId } from '../../domain/workflow-ids.js';
import { listTaskRows, toTaskView } from '../../lib/task-store.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { createTask, getTask } from '../task-service.js';
import { bearerAuth, ErrorBody } from './shared.js';

/** Running tasks of the tenant whose current step is `role`'s, from Temporal's visibility (search attributes). */
async function tasksWorkedOnBy(temporal: Client, tenant: string, role: AgentRole, limit: number): Promise<string[]> {
  // The tenant comes from a verified token, the role from an enum; quotes are refused rather than escaped.
  if (/["\\]/.test(tenant)) return [];
  const ids: string[] = [];
  const query = `WorkflowType="TaskWorkflow" AND ExecutionStatus="Running" AND TenantId="${tenant}" AND AgentRole="${role}"`;
  for await (const wf of temporal.workflow.list({ query })) {
    const id = taskIdFromWorkflowId(wf.workflowId);
    if (id) ids.push(id);
    if (ids.length >= limit) break;
  }
  return ids;
}

export function taskRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/tasks',
      {
        config: { permission: 'task:create' },
        schema: {
          summary: 'Create a task and start its TaskWorkflow',
          description: 'Idempotent when the body carries an `id`: a repeat returns the same task (200) instead of starting another.',
          security: bearerAuth,
          body: CreateTaskBody,
          response: { 200: TaskView, 202: TaskView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const identity = request.identity!;
        const { task, created } = await createTask(
          { db: deps.db, temporal: deps.temporal, taskQueuePrefix: deps.config.TEMPORAL_TASK_QUEUE_PREFIX },
          identity,
          request.body,
        );
        await writeAudit(deps.db, {
          tenantId: identity.tenant,
          actor: identity.sub,
          role: identity.role,
          action: 'task:create',
          resource: `task/${task.id}`,
          outcome: 'allowed',
          requestId: request.id,
          sourceAddress: request.ip,
          detail: { created, workflowId: task.workflowId },
        });
        return reply.status(created ? 202 : 200).header('location', `/tasks/${task.id}`).send(task);
      },
    );

    app.get(
      '/tasks',
      {
        config: { permission: 'task:read' },
        schema: {
          summary: "The tenant's tasks, newest first",
          description:
            "Filter by `status`, and by `role`: the agent role working on the task now (Temporal's `AgentRole` search attribute of running tasks). The tenant is the token's.",
          security: bearerAuth,
          querystring: z.object({
            status: z.enum(TASK_STATUSES).optional(),
            role: z.enum(AGENT_ROLES).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: z.object({ tasks: z.array(TaskView) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const { tenant } = request.identity!;
        const ids = request.query.role ? await tasksWorkedOnBy(deps.temporal, tenant, request.query.role, request.query.limit) : undefined;
        const rows = await listTaskRows(deps.db, { tenantId: tenant, status: request.query.status, ids, limit: request.query.limit });
        return { tasks: rows.map(toTaskView) };
      },
    );

    app.get(
      '/tasks/:id',
      {
        config: { permission: 'task:read' },
        schema: {
          summary: 'A task: status, and its result once finished',
          security: bearerAuth,
          params: z.object({ id: TaskId }),
          response: { 200: TaskView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => getTask(deps.db, request.identity!, request.params.id),
    );
  };
}
