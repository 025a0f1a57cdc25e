import { z } from 'zod';

/** US dollars per million tokens, prompt and completion priced apart as providers do. */
export const ModelPrice = z
  .object({
    prompt: z.number().min(0, 'must be at least 0').max(10_000, 'must be at most 10000 (USD per million tokens)'),
    completion: z.number().min(0, 'must be at least 0').max(10_000, 'must be at most 10000 (USD per million tokens)'),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPrice>;

/** Model name → price. */
export const PriceTable = z.record(z.string().min(1, 'model names must not be empty'), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** The call's cost in USD, or null when the table has no price for the model (unknown is not free). */
export function costOf(table: PriceTable, model: string, usage: TokenUsage): number | null {
  const price = Object.hasOwn(table, model) ? table[model] : undefined;
  if (!price) return null;
  // Micro-dollars, rounded once: sums over many calls stay exact.
  return Math.round(usage.promptTokens * price.prompt + usage.completionTokens * price.completion) / 1_000_000;
}
