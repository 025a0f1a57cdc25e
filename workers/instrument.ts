import type { Metrics } from '../lib/metrics.js';

type AnyFn = (...args: never[]) => Promise<unknown>;

/** Counts every activity execution by outcome, without touching the activities themselves. */
export function instrumentActivities<T extends Record<string, AnyFn>>(activities: T, metrics: Metrics): T {
  const wrapped: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        const result = await fn(...args);
        metrics.activityExecutions.inc({ activity: name, outcome: 'completed' });
        return result;
      } catch (err) {
        metrics.activityExecutions.inc({ activity: name, outcome: 'failed' });
        throw err;
      }
    };
  }
  return wrapped as T;
}
