import { Context } from '@temporalio/activity';

/** How often a long call reports liveness; well under the heartbeat timeout set in the workflows. */
const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * Heartbeats while `fn` runs, so a worker that dies mid-call is noticed within
 * the heartbeat timeout instead of the (much longer) start-to-close timeout.
 */
export async function withHeartbeats<T>(fn: () => Promise<T>, details?: unknown): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), HEARTBEAT_INTERVAL_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
