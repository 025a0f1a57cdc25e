import { z } from 'zod';
import { LlmProviderError, postJson } from './errors.js';
import type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

/** The part of a Messages API answer we read; other block kinds (thinking, tool_use) are skipped. */
const Message = z.object({
  model: z.string(),
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.looseObject({ type: z.string().refine((t) => t !== 'text', 'a text block needs text') }),
    ]),
  ),
  stop_reason: z.string().nullable(),
  usage: z.object({
    input_tokens: z.number().int().min(0),
    output_tokens: z.number().int().min(0),
    cache_creation_input_tokens: z.number().int().min(0).nullable().optional(),
    cache_read_input_tokens: z.number().int().min(0).nullable().optional(),
  }),
});

export interface AnthropicOptions {
  /** Without the version path, e.g. `https://api.anthropic.com`. */
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
}

/** Anthropic's Messages API over plain fetch. */
export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic';
  private readonly url: string;

  constructor(private readonly options: AnthropicOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  }

  async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse> {
    const { apiKey, model, timeoutMs } = this.options;
    const answer = await postJson({
      provider: this.name,
      url: this.url,
      headers: { 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION },
      body: {
        model,
        max_tokens: request.maxTokens,
        system: request.system,
        messages: [{ role: 'user', content: request.prompt }],
      },
      timeoutMs,
      signal,
      schema: Message,
    });
    const text = answer.content.flatMap((block) => (block.type === 'text' && typeof block.text === 'string' ? [block.text] : [])).join('');
    if (text === '') {
      throw new LlmProviderError(`${this.name} answer has no text (stop_reason: ${answer.stop_reason ?? 'none'})`, {
        provider: this.name,
        retryable: true,
      });
    }
    const { usage } = answer;
    return {
      text,
      provider: this.name,
      model: answer.model,
      // Cached prompt tokens are billed too, so the budget counts them.
      usage: {
        promptTokens: usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0),
        completionTokens: usage.output_tokens,
      },
    };
  }
}
