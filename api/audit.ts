import type { Db } from '../lib/db.js';

export interface AuditEntry {
  tenantId?: string;
  actor?: string;
  role?: string;
  action: string;
  resource?: string;
  outcome: 'allowed' | 'denied' | 'failed';
  requestId?: string;
  /** The caller's address as Fastify sees it (the socket's, unless a trusted proxy is configured). */
  sourceAddress?: string;
  detail?: Record<string, unknown>;
}

/**
 * Appends to the audit trail; callers await it, so an action is never reported
 * done without its record. The database chains the entry (migrations/005).
 */
export async function writeAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (tenant_id, actor, role, action, resource, outcome, request_id, source_address, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      entry.tenantId ?? null,
      entry.actor ?? null,
      entry.role ?? null,
      entry.action,
      entry.resource ?? null,
      entry.outcome,
      entry.requestId ?? null,
      entry.sourceAddress ?? null,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
}
