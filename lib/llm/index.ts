import type { BreakerRegistry } from '../circuit-breaker.js';
import { ConfigError, type Config } from '../config.js';
import { ANTHROPIC_DEFAULT_BASE_URL, AnthropicProvider } from './anthropic-provider.js';
import { OPENAI_DEFAULT_BASE_URL, OpenAiCompatibleProvider } from './openai-compatible-provider.js';
import { GuardedProvider, isEndpointFailure } from './guarded-provider.js';
import type { LlmProvider } from './provider.js';
import { ScriptedProvider } from './scripted-provider.js';

export type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';
export { LlmProviderError, toActivityFailure } from './errors.js';

/** Every variable createLlmProvider reads, for `loadConfigSubset`. */
export const LLM_CONFIG_KEYS = [
  'LLM_PROVIDER',
  'SCRIPTED_LLM_LATENCY_MS',
  'LLM_BASE_URL',
  'LLM_API_KEY',
  'LLM_MODEL',
  'LLM_TIMEOUT_MS',
  'LLM_JSON_MODE',
] as const satisfies ReadonlyArray<keyof Config>;

export type LlmConfig = Pick<Config, (typeof LLM_CONFIG_KEYS)[number]>;

export const DEFAULT_MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5' } as const;

function requireApiKey(config: LlmConfig, why: string): string {
  if (config.LLM_API_KEY) return config.LLM_API_KEY;
  throw new ConfigError([{ variable: 'LLM_API_KEY', message: `is required ${why}` }]);
}

/**
 * Builds the configured provider; throws ConfigError when a real provider
 * lacks its API key. With a breaker registry, a real endpoint is called
 * through its own breaker (`llm:<provider>:<host>`), with the seed's defaults.
 */
export function createLlmProvider(config: LlmConfig, breakers?: BreakerRegistry): LlmProvider {
  if (config.LLM_PROVIDER === 'scripted') return new ScriptedProvider({ latencyMs: config.SCRIPTED_LLM_LATENCY_MS });
  const baseUrl = config.LLM_BASE_URL ?? (config.LLM_PROVIDER === 'anthropic' ? ANTHROPIC_DEFAULT_BASE_URL : OPENAI_DEFAULT_BASE_URL);
  const provider = buildRealProvider(config, baseUrl);
  if (!breakers) return provider;
  const breaker = breakers.get(`llm:${provider.name}:${new URL(baseUrl).host}`, { isFailure: isEndpointFailure });
  return new GuardedProvider(provider, breaker);
}

function buildRealProvider(config: LlmConfig, baseUrl: string): LlmProvider {
  switch (config.LLM_PROVIDER) {
    case 'scripted':
      throw new Error('the scripted provider has no endpoint');
    case 'openai': {
      // Local servers (Ollama, vLLM) take no key; OpenAI's own endpoint always does.
      const isOpenAi = baseUrl.replace(/\/+$/, '') === OPENAI_DEFAULT_BASE_URL;
      return new OpenAiCompatibleProvider({
        baseUrl,
        apiKey: isOpenAi ? requireApiKey(config, `for ${OPENAI_DEFAULT_BASE_URL}`) : config.LLM_API_KEY,
        model: config.LLM_MODEL ?? DEFAULT_MODELS.openai,
        timeoutMs: config.LLM_TIMEOUT_MS,
        jsonMode: config.LLM_JSON_MODE,
      });
    }
    case 'anthropic':
      return new AnthropicProvider({
        baseUrl,
        apiKey: requireApiKey(config, 'when LLM_PROVIDER is anthropic'),
        model: config.LLM_MODEL ?? DEFAULT_MODELS.anthropic,
        timeoutMs: config.LLM_TIMEOUT_MS,
      });
  }
}
