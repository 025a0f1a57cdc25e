/**
 * The innermost cause's message. Temporal wraps failures (WorkflowFailedError
 * → ActivityFailure → ApplicationFailure); "activity failed" alone tells an
 * operator nothing.
 */
export function innermostMessage(err: unknown): string {
  let current = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
