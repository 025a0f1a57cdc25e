import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_LANGUAGES, type TaskView } from '../../domain/schemas/task.js';
import { TERMINAL_TASK_STATUSES } from '../../domain/task-status.js';
import { callApi } from '../api-client.js';
import { parseCommandArgs, positiveInt, requireOption } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

const USAGE = `usage:
  golden task start --title <text> --description <text> --language <${TASK_LANGUAGES.join('|')}> [--id <task-id>] [--wait] [--timeout <seconds>] [--token <jwt>]
  golden task show <task-id> [--token <jwt>]

start  creates a task through the API (POST /tasks); with --wait, polls until it finishes
       and exits non-zero if it failed. --id makes the call idempotent.
show   prints a task's status and result (GET /tasks/:id).
The token comes from --token or GOLDEN_TOKEN.`;

async function waitForTask(id: string, token: string | undefined, timeoutSeconds: number): Promise<TaskView> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const { body } = await callApi<TaskView>('GET', `/tasks/${encodeURIComponent(id)}`, { token });
    if (TERMINAL_TASK_STATUSES.has(body.status)) return body;
    if (Date.now() > deadline) throw new CliError(`task ${id} is still ${body.status} after ${timeoutSeconds}s (workflow ${body.workflowId})`);
    await sleep(500);
  }
}

export const taskCommand: Command = {
  name: 'task',
  summary: 'Start a task or show one, through the API',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') return void console.log(USAGE);
    if (sub === 'start') {
      const { values } = parseCommandArgs(
        rest,
        {
          title: { type: 'string' },
          description: { type: 'string' },
          language: { type: 'string' },
          id: { type: 'string' },
          token: { type: 'string' },
          wait: { type: 'boolean' },
          timeout: { type: 'string' },
        },
        USAGE,
      );
      if (values.help) return void console.log(USAGE);
      const body = {
        title: requireOption(values.title, 'title', USAGE),
        description: requireOption(values.description, 'description', USAGE),
        language: requireOption(values.language, 'language', USAGE),
        ...(values.id ? { id: values.id } : {}),
      };
      const timeout = positiveInt(values.timeout, 'timeout', 120);
      const { body: task } = await callApi<TaskView>('POST', '/tasks', { token: values.token, body });
      if (!values.wait) return void console.log(JSON.stringify(task, null, 2));
      const done = await waitForTask(task.id, values.token, timeout);
      console.log(JSON.stringify(done, null, 2));
      if (done.status !== 'completed') throw new CliError(`task ${done.id} ${done.status}: ${done.error ?? 'no error recorded'}`);
      return;
    }
    if (sub === 'show') {
      const { values, positionals } = parseCommandArgs(rest, { token: { type: 'string' } }, USAGE, true);
      if (values.help) return void console.log(USAGE);
      if (positionals.length !== 1) throw new CliError(`golden task show takes exactly one task id\n\n${USAGE}`);
      const { body } = await callApi<TaskView>('GET', `/tasks/${encodeURIComponent(positionals[0]!)}`, { token: values.token });
      return void console.log(JSON.stringify(body, null, 2));
    }
    throw new CliError(`unknown subcommand "task ${sub}"\n\n${USAGE}`);
  },
};
