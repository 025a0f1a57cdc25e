import { setTimeout as sleep } from 'node:timers/promises';
import { readTaskBlock } from '../../domain/llm/task-block.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';
import { estimateTokens } from './token-estimate.js';
import { scriptedDeveloperSolution } from './scripted-scripts.js';
import { misbehave, misbehaviourFromText, type MisbehaviourPlan } from './scripted-misbehaviour.js';
import { correctionRoundOf } from '../../domain/llm/corrective-prompt.js';
import { scriptedReviewVote } from './scripted-reviews.js';

export const SCRIPTED_MODEL = 'scripted-stand-in-v1';

/** Thrown when the scripted provider is asked for something it has no script for. */
export class NoScriptError extends Error {
  override readonly name = 'NoScriptError';
}

export interface ScriptedProviderOptions {
  latencyMs?: number;
  /** Misbehave for every task (tests); a task's own `scripted-misbehave:` directive wins. */
  misbehave?: MisbehaviourPlan;
}

/**
 * A deterministic, offline stand-in for an LLM, so the demo and the tests run
 * without a network. Every answer says it comes from a stand-in.
 */
export class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  private readonly latencyMs: number;
  private readonly plan: MisbehaviourPlan | undefined;

  constructor(options: ScriptedProviderOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.plan = options.misbehave;
  }

  async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse> {
    if (this.latencyMs > 0) await sleep(this.latencyMs, undefined, { signal });
    const kind = request.answerKind ?? (request.role === 'developer' ? 'developerSolution' : undefined);
    if (kind !== 'developerSolution' && kind !== 'reviewVote') {
      throw new NoScriptError(`the scripted provider has no script for role ${request.role}${kind ? ` answering ${kind}` : ''}`);
    }
    const block = readTaskBlock(request.prompt);
    if (!block) throw new NoScriptError('the scripted provider needs a <task>{…}</task> block in the prompt');
    const { title, description, language } = block;
    if (kind === 'reviewVote') return this.answer(request, JSON.stringify(this.vote(request, description)));
    const proper = scriptedDeveloperSolution(title, description, language);
    let plan: MisbehaviourPlan | undefined;
    try {
      plan = misbehaviourFromText(description) ?? this.plan;
    } catch (err) {
      throw new NoScriptError((err as Error).message);
    }
    // Stateless across processes: the round comes from the corrective prompt itself.
    const text = plan && correctionRoundOf(request.prompt) < plan.times ? misbehave(plan.mode, proper) : JSON.stringify(proper);
    return this.answer(request, text);
  }

  private vote(request: LlmRequest, description: string) {
    try {
      return scriptedReviewVote(request.role, description);
    } catch (err) {
      throw new NoScriptError((err as Error).message);
    }
  }

  private answer(request: LlmRequest, text: string): LlmResponse {
    const completionTokens = Math.min(estimateTokens(text), request.maxTokens);
    return {
      text,
      provider: this.name,
      model: SCRIPTED_MODEL,
      usage: { promptTokens: estimateTokens(request.system + request.prompt), completionTokens },
    };
  }
}

/** Prompts put the task in this block; re-exported for callers that build prompts for the stand-in. */
export { taskBlock } from '../../domain/llm/task-block.js';
