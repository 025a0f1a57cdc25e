import { setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentRole } from '../domain/agent-roles.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';
import type { TaskWorkflowInput } from '../domain/schemas/task.js';
import type { Guidance, PipelinePolicy, TaskEvent, TaskEventKind, TaskProgress } from '../domain/task-pipeline.js';
import type { TaskStatus } from '../domain/task-status.js';
import { taskQueueName, type TaskQueueName } from '../domain/task-queues.js';
import { addGuidanceSignal, taskHistoryQuery, taskProgressQuery } from './messages.js';
import { AgentRoleKey, TaskStatusKey, TenantIdKey } from './search-attribute-keys.js';
import { waitingActivities } from './durable-wait.js';

const records = waitingActivities(ACTIVITY_KINDS.records);

/**
 * One task's run as operators see it: progress and timeline (queries), the
 * guidance they send (signal), its status in Postgres and in the search
 * attributes the Web UI filters on. Every event is kept in `task_events` too.
 */
export class TaskRun {
  readonly progress: TaskProgress = { status: 'running', step: 'start', round: 1, iteration: 1, guidance: 0 };
  readonly events: TaskEvent[] = [];
  readonly guidance: Guidance[] = [];

  constructor(
    readonly taskId: string,
    readonly input: TaskWorkflowInput,
    readonly policy: PipelinePolicy,
  ) {
    setHandler(taskProgressQuery, () => this.progress);
    setHandler(taskHistoryQuery, () => this.events);
    setHandler(addGuidanceSignal, async (raw) => {
      // A signal cannot be refused; malformed guidance is recorded as such and never reaches an agent.
      const text = typeof raw?.text === 'string' ? raw.text.trim().slice(0, 4_000) : '';
      const by = typeof raw?.by === 'string' && raw.by.length > 0 ? raw.by.slice(0, 200) : 'unknown';
      if (!text) {
        await this.event('guidance', this.progress.step, { by, ignored: 'empty or malformed guidance' });
        return;
      }
      this.guidance.push({ text, by });
      this.progress.guidance = this.guidance.length;
      await this.event('guidance', this.progress.step, { by, text });
    });
  }

  get tenantId(): string {
    return this.input.tenantId;
  }

  /** Guidance texts for the next agent call. */
  guidanceTexts(): string[] {
    return this.guidance.map((g) => `${g.text} (from ${g.by})`);
  }

  /** The queue of a child or sandbox run, from the recorded policy (never from this worker's own queue name). */
  queue(name: TaskQueueName): string {
    return taskQueueName(name, this.policy.taskQueuePrefix);
  }

  async event(kind: TaskEventKind, step: string, detail: Record<string, unknown> = {}): Promise<void> {
    const event: TaskEvent = { seq: this.events.length + 1, kind, step, detail };
    this.events.push(event);
    await records.recordTaskEvent({ taskId: this.taskId, tenantId: this.tenantId, event });
  }

  /** What runs now: shown by the query and as the AgentRole search attribute. */
  working(step: string, role?: AgentRole): void {
    this.progress.step = step;
    this.progress.role = role;
    upsertSearchAttributes([{ key: AgentRoleKey, value: role ?? 'none' }]);
  }

  /** Search attributes at once; the row through an activity (callers in a cancelled scope shield it). */
  async setStatus(status: TaskStatus, persist = true): Promise<void> {
    this.progress.status = status;
    upsertSearchAttributes([
      { key: TenantIdKey, value: this.tenantId },
      { key: TaskStatusKey, value: status },
    ]);
    if (persist) await records.recordTaskStatus({ taskId: this.taskId, tenantId: this.tenantId, status });
  }
}
