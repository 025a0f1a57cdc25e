import type { Client } from '@temporalio/client';
import type { TaskResult, TaskView } from '../../domain/schemas/task.js';
import type { Phase } from './load-plan.js';

export interface TaskRecord {
  phase: Phase['name'];
  /** Seconds since the load started, when the request was sent. */
  submittedAt: number;
  workflowId?: string;
  /** Seconds since the load started, when the workflow's result (or failure) arrived. */
  finishedAt?: number;
  outcome: 'running' | 'completed' | 'failed' | 'refused';
  detail?: string;
}

/** A developer of one tenant: each is its own API subject with its own rate limit. */
export interface Submitter {
  tenant: string;
  token: string;
}

/**
 * Creates tasks through the real API (POST /tasks) in an open loop — a slow
 * pipeline does not slow the arrivals — and follows each workflow to its end
 * through Temporal, recording when it was sent and when it finished.
 */
export class LoadDriver {
  readonly tasks: TaskRecord[] = [];
  private next = 0;
  private readonly following: Promise<void>[] = [];

  constructor(
    private readonly apiUrl: string,
    private readonly submitters: readonly Submitter[],
    private readonly client: Client,
    private readonly startedAt: number,
  ) {}

  private elapsed(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  submit(phase: Phase['name']): void {
    const submitter = this.submitters[this.next++ % this.submitters.length]!;
    const record: TaskRecord = { phase, submittedAt: this.elapsed(), outcome: 'running' };
    this.tasks.push(record);
    this.following.push(this.follow(record, submitter));
  }

  private async follow(record: TaskRecord, submitter: Submitter): Promise<void> {
    try {
      const res = await fetch(`${this.apiUrl}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${submitter.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'FizzBuzz', description: `Write fizzbuzz(n). Load task ${this.tasks.indexOf(record) + 1}.`, language: 'python' }),
        signal: AbortSignal.timeout(60_000),
      });
      if (res.status !== 202) {
        record.outcome = 'refused';
        record.detail = `POST /tasks answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
        record.finishedAt = this.elapsed();
        return;
      }
      record.workflowId = ((await res.json()) as TaskView).workflowId;
    } catch (err) {
      record.outcome = 'refused';
      record.detail = `POST /tasks failed: ${(err as Error).message}`;
      record.finishedAt = this.elapsed();
      return;
    }
    try {
      const result = (await this.client.workflow.getHandle(record.workflowId).result()) as TaskResult;
      record.outcome = result.status === 'completed' ? 'completed' : 'failed';
      if (record.outcome === 'failed') record.detail = JSON.stringify(result).slice(0, 300);
    } catch (err) {
      record.outcome = 'failed';
      record.detail = `${(err as Error).message}: ${((err as Error).cause as Error | undefined)?.message ?? ''}`;
    }
    record.finishedAt = this.elapsed();
  }

  /** Tasks not finished yet. */
  inFlight(): number {
    return this.tasks.filter((t) => t.outcome === 'running').length;
  }

  /** Resolves when every task sent so far has finished, or after `timeoutMs` (false then). */
  async drained(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([Promise.all(this.following).then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }
}
