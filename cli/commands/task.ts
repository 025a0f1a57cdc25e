import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_LANGUAGES, type TaskView } from '../../domain/schemas/task.js';
import { TERMINAL_TASK_STATUSES } from '../../domain/task-status.js';
import type { StoredTaskEvent } from '../../lib/task-events.js';
import { callApi } from '../api-client.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { UsageError, pathId, requiredString, runSubcommand, stringOption, type Subcommand } from '../subcommands.js';

const USAGE = `usage:
  golden task start --title <text> --description <text> --language <${TASK_LANGUAGES.join('|')}> [--id <task-id>] [--wait] [--timeout <seconds>]
  golden task show <task-id>
  golden task list [--status <status>] [--role <agent role working now>] [--limit <1-200>] [--json]
  golden task history <task-id> [--json]
  golden task guide <task-id> --text <guidance>
  golden task cancel <task-id> [--reason <text>]

start    creates a task through the API (POST /tasks); with --wait, polls until it finishes
         and exits non-zero if it failed. --id makes the call idempotent.
show     prints a task's status and result (GET /tasks/:id).
history  the task's timeline: solutions, guards, reviews, escalations, dead letters (GET /tasks/:id/history).
guide    guidance for the developer agent of a running task (POST /tasks/:id/guidance; task:guide).
cancel   cancels a running task (POST /tasks/:id/cancel; task:cancel); poll with show.

Every command takes --token <jwt> (else GOLDEN_TOKEN).`;

function positiveSeconds(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) <= 0) throw new UsageError(`--timeout must be a positive whole number of seconds, got "${value}"`);
  return Number(value);
}

/** Polls at 0.5 s, 1 s, 2 s, then every 4 s: a long task must not spend the caller's per-minute request limit. */
async function waitForTask(id: string, token: string | undefined, timeoutSeconds: number): Promise<TaskView> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let interval = 500; ; interval = Math.min(interval * 2, 4_000)) {
    const { body } = await callApi<TaskView>('GET', `/tasks/${pathId(id)}`, { token });
    if (TERMINAL_TASK_STATUSES.has(body.status)) return body;
    if (Date.now() > deadline) throw new CliError(`task ${id} is still ${body.status} after ${timeoutSeconds}s (workflow ${body.workflowId})`);
    await sleep(Math.min(interval, Math.max(deadline - Date.now(), 0) + 1));
  }
}

const subcommands: Record<string, Subcommand> = {
  start: {
    options: { title: { type: 'string' }, description: { type: 'string' }, language: { type: 'string' }, id: { type: 'string' }, wait: { type: 'boolean' }, timeout: { type: 'string' } },
    async run({ values, token }) {
      const body = {
        title: requiredString(values, 'title', USAGE),
        description: requiredString(values, 'description', USAGE),
        language: requiredString(values, 'language', USAGE),
        ...(values.id ? { id: values.id } : {}),
      };
      const timeout = positiveSeconds(stringOption(values, 'timeout'), 120);
      const { body: task } = await callApi<TaskView>('POST', '/tasks', { token, body });
      if (!values.wait) return printJson(task);
      const done = await waitForTask(task.id, token, timeout);
      printJson(done);
      if (done.status !== 'completed') throw new CliError(`task ${done.id} ${done.status}: ${done.error ?? 'no error recorded'}`);
    },
  },
  list: {
    options: { status: { type: 'string' }, role: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    async run({ values, token }) {
      const query = new URLSearchParams();
      const status = stringOption(values, 'status');
      const limit = stringOption(values, 'limit');
      if (status !== undefined) query.set('status', status);
      const role = stringOption(values, 'role');
      if (role !== undefined) query.set('role', role);
      if (limit !== undefined) query.set('limit', limit);
      const { body } = await callApi<{ tasks: TaskView[] }>('GET', `/tasks${query.size > 0 ? `?${query}` : ''}`, { token });
      if (values.json) return printJson(body);
      printTable(['ID', 'STATUS', 'TITLE', 'CREATED'], body.tasks.map((t) => [t.id, t.status, t.title, t.createdAt]), 60);
    },
  },
  show: {
    id: 'task id',
    async run({ id, token }) {
      printJson((await callApi<TaskView>('GET', `/tasks/${pathId(id)}`, { token })).body);
    },
  },
  history: {
    options: { json: { type: 'boolean' } },
    id: 'task id',
    async run({ values, id, token }) {
      const { body } = await callApi<{ taskId: string; status: string; events: StoredTaskEvent[] }>('GET', `/tasks/${pathId(id)}/history`, { token });
      if (values.json) return printJson(body);
      console.log(`task ${body.taskId}: ${body.status}`);
      printTable(['SEQ', 'AT', 'KIND', 'STEP', 'DETAIL'], body.events.map((e) => [e.seq, e.at, e.kind, e.step, e.detail]), 100);
    },
  },
  guide: {
    options: { text: { type: 'string' } },
    id: 'task id',
    async run({ values, id, token }) {
      const text = requiredString(values, 'text', USAGE);
      printJson((await callApi('POST', `/tasks/${pathId(id)}/guidance`, { token, body: { text } })).body);
    },
  },
  cancel: {
    options: { reason: { type: 'string' } },
    id: 'task id',
    async run({ values, id, token }) {
      const reason = stringOption(values, 'reason');
      printJson((await callApi('POST', `/tasks/${pathId(id)}/cancel`, { token, body: reason === undefined ? {} : { reason } })).body);
    },
  },
};

export const taskCommand: Command = {
  name: 'task',
  summary: 'Start, show, guide and cancel tasks and read their history, through the API',
  run: (args) => runSubcommand('task', USAGE, subcommands, args),
};
