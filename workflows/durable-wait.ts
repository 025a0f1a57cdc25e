import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, log, patched, proxyActivities, sleep, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { DURABLE_WAIT, isWaitFailureType, nextWaitMs, readWaitAdvice, type WaitAdvice } from '../domain/durable-waits.js';

/** The application failure at the root of an activity's or child's failure, if there is one. */
export function rootApplicationFailure(err: unknown): ApplicationFailure | undefined {
  let cur: unknown = err;
  while (cur instanceof ActivityFailure || cur instanceof ChildWorkflowFailure) cur = cur.cause;
  return cur instanceof ApplicationFailure ? cur : undefined;
}

/** The wait an activity asked for by failing with an open breaker or a rate limit; undefined for a real failure. */
export function waitAdviceOf(err: unknown): WaitAdvice | undefined {
  const root = rootApplicationFailure(err);
  if (!root || !isWaitFailureType(root.type)) return undefined;
  return readWaitAdvice(root.type, root.details ?? undefined);
}

/**
 * Calls `call(waits)` until it stops asking to wait, sleeping each advised
 * delay on a durable timer; `waits` counts the sleeps so far, so a caller can
 * give each call after a wait a fresh idempotency key. Past the allowance in
 * DURABLE_WAIT the last failure is thrown as it came.
 */
export async function waitingOut<T>(what: string, call: (waits: number) => Promise<T>): Promise<T> {
  let waitedMs = 0;
  for (let waits = 0; ; waits += 1) {
    try {
      return await call(waits);
    } catch (err) {
      const advice = waitAdviceOf(err);
      const delay = advice && nextWaitMs(advice, waitedMs);
      // Histories recorded before these waits retried in the activity; they replay as they ran.
      if (advice === undefined || delay === undefined || !patched(DURABLE_WAIT.patchId)) throw err;
      log.warn('waiting on a durable timer before calling again', { call: what, on: advice.on, delayMs: delay, waitedMs });
      waitedMs += delay;
      await sleep(delay);
    }
  }
}

/**
 * Activities whose open-breaker and rate-limit failures are waited off in the
 * workflow. Only for activities whose repeat with the same arguments is what a
 * Temporal retry would do anyway (bookkeeping, sandbox runs); LLM calls wait in
 * `budgetedCall`, which gives the call after a wait a fresh budget key.
 */
export function waitingActivities(options: ActivityOptions): Activities {
  const activities = proxyActivities<Activities>(options);
  return new Proxy(activities, {
    get(target, name, receiver) {
      const activity: unknown = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || typeof activity !== 'function') return activity;
      return (...args: unknown[]) => waitingOut(name, () => (activity as (...a: unknown[]) => Promise<unknown>)(...args));
    },
  });
}
