/**
 * The answers the console reads, as types imported (type-only, nothing is
 * bundled) from where the API defines them: the exported zod schemas in
 * domain/, and, for views a route keeps its schema private to, the store
 * function's return type the route serializes field for field.
 */
import type { ChainReport } from '../../api/audit-chain.js';
import type { ConsoleSettings } from '../../api/routes/console-static.js';
import type { BudgetStatus } from '../../domain/budget.js';
import type { BreakerList } from '../../lib/breaker-control.js';
import type { ReservationView } from '../../lib/budget/ledger.js';
import type { DeadLetterView } from '../../lib/dead-letter-store.js';
import type { EscalationView } from '../../lib/escalation-store.js';
import type { ActivePrompt, GovernanceStatusRow, PromptUpdateRow } from '../../lib/governance.js';
import type { StoredTaskEvent } from '../../lib/task-events.js';
import type { TaskView } from '../../domain/schemas/task.js';
import type { TaskStatus } from '../../domain/task-status.js';

export type { ActivePrompt, BreakerList, BudgetStatus, ConsoleSettings, DeadLetterView, EscalationView, GovernanceStatusRow, ReservationView, StoredTaskEvent, TaskView };

/** GET /tasks/:id/history. */
export interface TaskHistory {
  taskId: string;
  status: TaskStatus;
  events: StoredTaskEvent[];
}

/** A prompt update; `body`, the proposed text, only when the API includes it (the diff needs it). */
export type PromptUpdateView = PromptUpdateRow & { body?: string };

/** GET /audit: one entry (api/routes/audit.ts's AuditEntryView). */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string | null;
  role: string | null;
  action: string;
  resource: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  requestId: string | null;
  sourceAddress: string | null;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  next: number | null;
}

/** GET /audit/verify: the chain walk's report, and whether it found nothing. */
export type AuditChainReport = ChainReport & { intact: boolean };
