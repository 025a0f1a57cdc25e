import { z } from 'zod';
import { TASK_LANGUAGES } from '../schemas/task.js';

/** The task as agents' prompts carry it: one JSON block a program can read back exactly. */
export const TaskBlock = z.object({ title: z.string(), description: z.string(), language: z.enum(TASK_LANGUAGES) });
export type TaskBlock = z.infer<typeof TaskBlock>;

export function taskBlock(task: TaskBlock): string {
  // `<` escaped inside the JSON: text in the task can never close the block.
  return `<task>${JSON.stringify(task).replace(/</g, '\\u003c')}</task>`;
}

/** The task block of a prompt, or undefined when it has none or it is malformed. */
export function readTaskBlock(prompt: string): TaskBlock | undefined {
  const match = /<task>(.*?)<\/task>/s.exec(prompt);
  if (!match) return undefined;
  try {
    const parsed = TaskBlock.safeParse(JSON.parse(match[1]!));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
