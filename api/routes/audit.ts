import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyAuditChain } from '../audit-chain.js';
import type { ApiDeps } from '../context.js';
import { bearerAuth, ErrorBody } from './shared.js';

const OUTCOMES = ['allowed', 'denied', 'failed'] as const;

const AuditQuery = z
  .object({
    action: z.string().max(100).optional(),
    outcome: z.enum(OUTCOMES).optional(),
    actor: z.string().max(200).optional(),
    /** Entries older than this sequence number: pass the previous page's `next`. */
    before: z.coerce.number().int('must be a whole number').min(1).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1).max(500).default(100),
  })
  .strict();

const AuditEntryView = z
  .object({
    seq: z.number(),
    at: z.string(),
    actor: z.string().nullable(),
    role: z.string().nullable(),
    action: z.string(),
    resource: z.string().nullable(),
    outcome: z.enum(OUTCOMES),
    requestId: z.string().nullable(),
    sourceAddress: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

const AuditPage = z.object({ entries: z.array(AuditEntryView), next: z.number().nullable() }).meta({ id: 'AuditPage' });

const ChainReportView = z
  .object({ intact: z.boolean(), entries: z.number(), headSeq: z.number(), headHash: z.string(), problems: z.array(z.string()) })
  .meta({ id: 'AuditChainReport' });

interface AuditRow {
  seq: string;
  at: Date;
  actor: string | null;
  role: string | null;
  action: string;
  resource: string | null;
  outcome: (typeof OUTCOMES)[number];
  request_id: string | null;
  source_address: string | null;
  detail: Record<string, unknown>;
}

export function auditRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/audit',
      {
        config: { permission: 'audit:read' },
        schema: {
          summary: "The caller's tenant's audit trail, newest first",
          description: 'Only entries of the token\'s tenant. Page with `before` = the previous answer\'s `next`.',
          security: bearerAuth,
          querystring: AuditQuery,
          response: { 200: AuditPage, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
        },
      },
      async (request) => {
        const q = request.query;
        const { rows } = await deps.db.query<AuditRow>(
          `SELECT chain_seq::text AS seq, at, actor, role, action, resource, outcome, request_id, source_address, detail
             FROM audit_log
            WHERE tenant_id = $1
              AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR outcome = $3) AND ($4::text IS NULL OR actor = $4)
              AND ($5::bigint IS NULL OR chain_seq < $5)
            ORDER BY chain_seq DESC LIMIT $6`,
          [request.identity!.tenant, q.action ?? null, q.outcome ?? null, q.actor ?? null, q.before ?? null, q.limit],
        );
        const entries = rows.map((r) => ({
          seq: Number(r.seq),
          at: r.at.toISOString(),
          actor: r.actor,
          role: r.role,
          action: r.action,
          resource: r.resource,
          outcome: r.outcome,
          requestId: r.request_id,
          sourceAddress: r.source_address,
          detail: r.detail,
        }));
        return { entries, next: entries.length === q.limit ? entries[entries.length - 1]!.seq : null };
      },
    );

    app.get(
      '/audit/verify',
      {
        config: { permission: 'audit:read' },
        schema: {
          summary: "Walk the whole audit trail's hash chain (what `golden audit verify` does)",
          security: bearerAuth,
          response: { 200: ChainReportView, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
        },
      },
      async () => {
        const report = await verifyAuditChain(deps.db);
        return { intact: report.problems.length === 0, ...report };
      },
    );
  };
}
