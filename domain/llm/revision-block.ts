/** Why a solution goes back to its developer; the block names it so the answer can be traced to its cause. */
export const REVISION_REASONS = ['failing_tests', 'security', 'quality', 'review', 'escalation'] as const;
export type RevisionReason = (typeof REVISION_REASONS)[number];

export function isRevisionReason(value: unknown): value is RevisionReason {
  return (REVISION_REASONS as readonly unknown[]).includes(value);
}

/**
 * Marks a prompt as a revision. The block must open the prompt: only a block
 * at its very start counts, so untrusted text quoted later can never pose as one.
 */
export function revisionBlock(reason: RevisionReason, body: string): string {
  return `<revision reason="${reason}">\n${body}\n</revision>`;
}

/** The reason of the revision block opening a prompt, or undefined for a first solution. */
export function revisionReasonOf(prompt: string): RevisionReason | undefined {
  const match = /^<revision reason="([a-z_]+)">/.exec(prompt);
  return match && isRevisionReason(match[1]) ? match[1] : undefined;
}
