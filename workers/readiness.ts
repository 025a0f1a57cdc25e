import type { Readiness } from '../lib/http-metrics-server.js';

/** One dependency the worker needs to do its work, and how to ask it whether it answers. */
export interface DependencyCheck {
  name: string;
  check(): Promise<unknown>;
}

/** A dependency slower than this is as good as down for a probe (kubelet's own default timeout is 1 s; ours is set above it). */
export const DEPENDENCY_CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: DependencyCheck, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${check.name} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([check.check(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Ready when every Temporal worker of the process polls (RUNNING) and every
 * dependency answers in time; `failing` names the rest. A stopping worker
 * (draining) is not ready, so no new work is routed to a pod on its way out.
 */
export async function workerReadiness(
  workersRunning: () => { running: boolean; state: string },
  dependencies: readonly DependencyCheck[],
  timeoutMs = DEPENDENCY_CHECK_TIMEOUT_MS,
): Promise<Readiness> {
  const failing: string[] = [];
  const workers = workersRunning();
  if (!workers.running) failing.push(`temporal workers: ${workers.state}`);
  const results = await Promise.allSettled(dependencies.map((d) => withTimeout(d, timeoutMs)));
  results.forEach((result, i) => {
    if (result.status === 'rejected') failing.push(`${dependencies[i]!.name}: ${(result.reason as Error)?.message ?? String(result.reason)}`);
  });
  return { ready: failing.length === 0, failing };
}
