import type { Config } from '../config.js';
import type { LlmProvider } from './provider.js';
import { ScriptedProvider } from './scripted-provider.js';

export type { LlmProvider, LlmRequest, LlmResponse } from './provider.js';

export function createLlmProvider(config: Pick<Config, 'LLM_PROVIDER' | 'SCRIPTED_LLM_LATENCY_MS'>): LlmProvider {
  switch (config.LLM_PROVIDER) {
    case 'scripted':
      return new ScriptedProvider(config.SCRIPTED_LLM_LATENCY_MS);
  }
}
