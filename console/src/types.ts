/**
 * The answers the console reads. Where the API's zod schema is exported
 * (domain/), its type is imported; the view schemas the route files keep to
 * themselves are described here from their enums, field for field as
 * /openapi.json shows them.
 */
import type { ConsoleSettings } from '../../api/routes/console-static.js';
import type { AgentRole } from '../../domain/agent-roles.js';
import type { BudgetStatus } from '../../domain/budget.js';
import type { BreakerListRow } from '../../domain/circuit-breaker.js';
import type { DeadLetterResolution } from '../../domain/dead-letters.js';
import type { EscalationAction, EscalationStatus } from '../../domain/escalation.js';
import type { PROMPT_UPDATE_STATUSES } from '../../domain/governance.js';
import type { SupervisorSynthesisAnswer } from '../../domain/llm/answer-schemas.js';
import type { TaskView } from '../../domain/schemas/task.js';
import type { TaskEventKind } from '../../domain/task-pipeline.js';
import type { TaskStatus } from '../../domain/task-status.js';

export type { BreakerListRow, BudgetStatus, ConsoleSettings, TaskView };

export interface TaskEventView {
  seq: number;
  kind: TaskEventKind;
  step: string;
  detail: Record<string, unknown>;
  at: string;
}

export interface TaskHistory {
  taskId: string;
  status: TaskStatus;
  events: TaskEventView[];
}

export interface EscalationView {
  id: string;
  taskId: string;
  tenantId: string;
  seq: number;
  reason: string;
  context: Record<string, unknown>;
  status: EscalationStatus;
  synthesis: SupervisorSynthesisAnswer | null;
  decision: { action: EscalationAction; source: 'supervisor' | 'human'; decidedBy: string; comment: string; guidance?: string } | null;
  decidedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface DeadLetterView {
  id: number;
  originalSubject: string;
  data: Record<string, unknown>;
  error: string;
  errorType: string | null;
  attempts: number;
  resolved: boolean;
  resolution: DeadLetterResolution | null;
  resolvedBy: string | null;
  tenantId: string;
  taskId: string | null;
  workflowId: string;
  step: string;
  createdAt: string;
  resolvedAt: string | null;
}

export type PromptUpdateStatus = (typeof PROMPT_UPDATE_STATUSES)[number];

export interface PromptUpdateView {
  id: string;
  agentRole: AgentRole;
  status: PromptUpdateStatus;
  reason: string;
  source: string;
  proposedBy: string;
  baseVersion: number;
  appliedVersion: number | null;
  decidedBy: string | null;
  decisionComment: string | null;
  createdAt: string;
  expiresAt: string;
  /** The proposed text, when the API includes it (the diff needs it). */
  body?: string;
}

export interface ActivePrompt {
  role: AgentRole;
  version: number;
  body: string;
}

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

export interface AuditChainReport {
  intact: boolean;
  entries: number;
  headSeq: number;
  headHash: string;
  problems: string[];
}

/** GET /breakers: every live process and one row per process and breaker. */
export interface BreakerList {
  processes: Array<{ process: string; service: string; reportedAt: number }>;
  breakers: BreakerListRow[];
}
