import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BudgetLimitUpdate, BudgetStatus, RESERVATION_STATES } from '../../domain/budget.js';
import type { TokenClaims } from '../../domain/schemas/identity.js';
import { TenantId } from '../../domain/schemas/task.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { requireOwnTenant } from '../tenant.js';
import { bearerAuth, ErrorBody } from './shared.js';

const TenantParams = z.object({ tenant: TenantId });

const ReservationsQuery = z
  .object({
    state: z.enum(RESERVATION_STATES).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(500).default(50),
  })
  .strict();

const BudgetReservation = z
  .object({
    requestId: z.string(),
    tenantId: z.string(),
    amount: z.number(),
    held: z.number(),
    consumed: z.number(),
    state: z.enum(RESERVATION_STATES),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'BudgetReservation' });

const BudgetReservationList = z.object({ reservations: z.array(BudgetReservation) }).meta({ id: 'BudgetReservationList' });

/** Another tenant's budget answers exactly like a missing one, so its existence is not revealed (and the attempt is audited). */
function requireOwnBudget(identity: TokenClaims, tenant: string): void {
  requireOwnTenant(identity, tenant, `budget/${tenant}`, `no budget for tenant ${tenant}`);
}

/** The database's `budget_within_limit` check: a limit below what is already reserved + committed. */
function isBelowUsage(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23514' && e.constraint === 'budget_within_limit';
}

export function budgetRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/budgets/:tenant',
      {
        config: { permission: 'budget:read' },
        schema: {
          summary: "A tenant's token budget: limit, period, reserved, committed, remaining",
          description: 'Figures may be up to 10 s old; every limit change, including a psql UPDATE, drops them at once.',
          security: bearerAuth,
          params: TenantParams,
          response: { 200: BudgetStatus, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const { tenant } = request.params;
        requireOwnBudget(request.identity!, tenant);
        const status = await deps.budget.status(tenant);
        if (!status) throw new NotFoundError(`no budget for tenant ${tenant}`);
        return status;
      },
    );

    app.put(
      '/budgets/:tenant/limit',
      {
        config: { permission: 'budget:manage' },
        schema: {
          summary: "Set a tenant's token limit (and optionally its period)",
          description:
            'Creates the budget if the tenant has none. Refused (409) when the new limit is below what is already reserved + committed. ' +
            'Every change is kept in budget_limit_changes with the caller as changed_by.',
          security: bearerAuth,
          params: TenantParams,
          body: BudgetLimitUpdate,
          response: { 200: BudgetStatus, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        const identity = request.identity!;
        const { tenant } = request.params;
        const audit = (outcome: 'allowed' | 'denied' | 'failed', detail: Record<string, unknown>) =>
          writeAudit(deps.db, {
            tenantId: identity.tenant,
            actor: identity.sub,
            role: identity.role,
            action: 'budget:manage',
            resource: `budget/${tenant}`,
            outcome,
            requestId: request.id,
            sourceAddress: request.ip,
            detail,
          });
        requireOwnBudget(identity, tenant);
        const before = await deps.budget.status(tenant);
        const change = {
          oldLimit: before?.totalLimit ?? null,
          newLimit: request.body.totalLimit,
          oldPeriod: before?.period ?? null,
          newPeriod: request.body.period ?? before?.period ?? null,
        };
        let after: BudgetStatus;
        try {
          after = await deps.budget.setLimit(tenant, request.body, identity.sub);
        } catch (err) {
          if (!isBelowUsage(err)) throw err;
          // Fresh figures, not the cache: they are the reason for the refusal.
          await deps.budget.dropCachedStatus(tenant);
          const now = await deps.budget.status(tenant);
          const reserved = now?.reserved ?? 0;
          const committed = now?.committed ?? 0;
          await audit('failed', { ...change, reason: 'below_usage', reserved, committed });
          throw new ConflictError(
            `the limit of tenant ${tenant} cannot go below what is already reserved + committed: ` +
              `${reserved} reserved + ${committed} committed = ${reserved + committed} tokens (asked for ${request.body.totalLimit})`,
          );
        }
        await audit('allowed', { ...change, newPeriod: after.period });
        return after;
      },
    );

    app.get(
      '/budgets/:tenant/reservations',
      {
        config: { permission: 'budget:read' },
        schema: {
          summary: "A tenant's reservations, newest first",
          security: bearerAuth,
          params: TenantParams,
          querystring: ReservationsQuery,
          response: { 200: BudgetReservationList, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const { tenant } = request.params;
        requireOwnBudget(request.identity!, tenant);
        return { reservations: await deps.budget.reservations(tenant, request.query) };
      },
    );
  };
}
