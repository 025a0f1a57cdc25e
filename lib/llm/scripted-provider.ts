import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { TASK_LANGUAGES } from '../../domain/schemas/task.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';
import { estimateTokens } from './token-estimate.js';
import { scriptedDeveloperSolution } from './scripted-scripts.js';

export const SCRIPTED_MODEL = 'scripted-stand-in-v1';

/** The task block the agents put in their prompts; the scripted provider reads it instead of "understanding" text. */
const TaskBlock = z.object({ title: z.string(), description: z.string(), language: z.enum(TASK_LANGUAGES) });

export function taskBlock(task: z.infer<typeof TaskBlock>): string {
  // `<` escaped inside the JSON: text in the task can never close the block.
  return `<task>${JSON.stringify(task).replace(/</g, '\\u003c')}</task>`;
}

/** Thrown when the scripted provider is asked for something it has no script for. */
export class NoScriptError extends Error {
  override readonly name = 'NoScriptError';
}

/**
 * A deterministic, offline stand-in for an LLM, so the demo and the tests run
 * without a network. Every answer says it comes from a stand-in.
 */
export class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  constructor(private readonly latencyMs = 0) {}

  async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse> {
    if (this.latencyMs > 0) await sleep(this.latencyMs, undefined, { signal });
    if (request.role !== 'developer') throw new NoScriptError(`the scripted provider has no script for role ${request.role}`);
    const match = /<task>(.*?)<\/task>/s.exec(request.prompt);
    const parsed = match ? TaskBlock.safeParse(JSON.parse(match[1]!)) : undefined;
    if (!parsed?.success) throw new NoScriptError('the scripted provider needs a <task>{…}</task> block in the prompt');
    const { title, description, language } = parsed.data;
    const text = JSON.stringify(scriptedDeveloperSolution(title, description, language));
    const completionTokens = Math.min(estimateTokens(text), request.maxTokens);
    return {
      text,
      provider: this.name,
      model: SCRIPTED_MODEL,
      usage: { promptTokens: estimateTokens(request.system + request.prompt), completionTokens },
    };
  }
}
