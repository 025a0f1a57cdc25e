import type { AgentRole } from '../../domain/agent-roles.js';
import type { AnswerKind } from '../../domain/llm/answer-schemas.js';

export interface LlmRequest {
  role: AgentRole;
  system: string;
  prompt: string;
  /** Upper bound on the answer's tokens; the budget reserves exactly this much. */
  maxTokens: number;
  /** Which answer is asked for (its schema is in domain/llm/answer-schemas.ts). */
  answerKind?: AnswerKind;
}

export interface LlmResponse {
  text: string;
  provider: string;
  model: string;
  usage: { promptTokens: number; completionTokens: number };
}

export interface LlmProvider {
  readonly name: string;
  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse>;
}
