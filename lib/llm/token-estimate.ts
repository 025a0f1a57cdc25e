/**
 * Rough token count (4 characters a token), deterministic so that budgets in
 * tests are exact. Used to bound prompts before a call; the provider's own
 * usage figures are what gets charged.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
