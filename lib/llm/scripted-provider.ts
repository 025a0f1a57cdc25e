import { setTimeout as sleep } from 'node:timers/promises';
import { readTaskBlock } from '../../domain/llm/task-block.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';
import { estimateTokens } from './token-estimate.js';
import { misbehave, misbehaviourFromText, type MisbehaviourPlan } from './scripted-misbehaviour.js';
import { correctionRoundOf } from '../../domain/llm/corrective-prompt.js';
import { scriptedReviewVote } from './scripted-reviews.js';
import { scriptedDeveloperAnswer, scriptedSecurityReview, scriptedSynthesis, scriptedTestAnswer } from './scripted-pipeline.js';
import { revisionReasonOf } from '../../domain/llm/revision-block.js';
import type { DeveloperSolution } from '../../domain/schemas/solution.js';

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

/** A directive the stand-in cannot follow is a request it has no script for. */
function scripted<T>(answer: () => T): T {
  try {
    return answer();
  } catch (err) {
    throw new NoScriptError((err as Error).message);
  }
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
    if (kind === undefined || kind === 'architectReview') {
      throw new NoScriptError(`the scripted provider has no script for role ${request.role}${kind ? ` answering ${kind}` : ''}`);
    }
    const block = readTaskBlock(request.prompt);
    if (!block) throw new NoScriptError('the scripted provider needs a <task>{…}</task> block in the prompt');
    // What the prompt carries besides the task: the solution under review, the feedback of a revision.
    const rest = request.prompt.replace(/<task>.*?<\/task>/s, '');
    const proper = scripted(() => {
      switch (kind) {
        case 'reviewVote':
          return scriptedReviewVote(request.role, block.description);
        case 'testGeneration':
          return scriptedTestAnswer(block);
        case 'securityReview':
          return scriptedSecurityReview(block, rest);
        case 'supervisorSynthesis':
          return scriptedSynthesis(block);
        case 'developerSolution':
          return scriptedDeveloperAnswer(block, revisionReasonOf(request.prompt), rest);
      }
    });
    if (kind !== 'developerSolution') return this.answer(request, JSON.stringify(proper));
    const plan = scripted(() => misbehaviourFromText(block.description) ?? this.plan);
    // Stateless across processes: the round comes from the corrective prompt itself.
    const text = plan && correctionRoundOf(request.prompt) < plan.times ? misbehave(plan.mode, proper as DeveloperSolution) : JSON.stringify(proper);
    return this.answer(request, text);
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
