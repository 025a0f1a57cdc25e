import { z } from 'zod';
import { LlmProviderError, postJson } from './errors.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The part of a chat-completions answer we read; OpenAI, vLLM, Ollama and LiteLLM all send it. */
const ChatCompletion = z.object({
  model: z.string(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1, 'has no choices'),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }),
});

export interface OpenAiCompatibleOptions {
  /** Up to and including the version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** Sent as a bearer token; local servers (Ollama, vLLM) usually need none. */
  apiKey?: string | undefined;
  model: string;
  timeoutMs: number;
  /** Ask for `response_format: json_object`; the agents' answers are JSON. */
  jsonMode: boolean;
}

/** Chat completions over plain fetch, for any server that speaks OpenAI's API. */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai';
  private readonly url: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse> {
    const { apiKey, model, timeoutMs, jsonMode } = this.options;
    const answer = await postJson({
      provider: this.name,
      url: this.url,
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      body: {
        model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.prompt },
        ],
        max_tokens: request.maxTokens,
        ...(jsonMode ? { response_format: { type: 'json_object' } } : {}),
      },
      timeoutMs,
      signal,
      schema: ChatCompletion,
    });
    const choice = answer.choices[0]!;
    if (!choice.message.content) {
      throw new LlmProviderError(`${this.name} answer has no text (finish_reason: ${choice.finish_reason ?? 'none'})`, {
        provider: this.name,
        retryable: true,
      });
    }
    return {
      text: choice.message.content,
      provider: this.name,
      model: answer.model,
      usage: { promptTokens: answer.usage.prompt_tokens, completionTokens: answer.usage.completion_tokens },
    };
  }
}
