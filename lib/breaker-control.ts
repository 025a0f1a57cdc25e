import { hostname } from 'node:os';
import { z } from 'zod';
import { BREAKER_STATES, breakerRows, isBreakerName, type BreakerListRow, type ProcessReport } from '../domain/circuit-breaker.js';
import { CRITICAL_BREAKER_PATTERN } from '../domain/alerts.js';
import type { BreakerRegistry } from './circuit-breaker.js';
import type { Config } from './config.js';
import { createRedis, type Redis } from './redis.js';

/**
 * The breakers' control plane, over Redis: every process stores its breakers' stats under its
 * own key with a TTL (a dead process drops out of the list by itself), and listens on a channel
 * for manual resets, so one reset reaches every process of the deployment. Keys and channel carry
 * the deployment's task-queue prefix, so deployments sharing a Redis stay apart.
 */

/** How often a process reports; its report lives three periods, so one missed write does not hide it. */
export const BREAKER_REPORT_INTERVAL_MS = 5_000;
const REPORT_TTL_SECONDS = Math.ceil((BREAKER_REPORT_INTERVAL_MS * 3) / 1000);

const keyPrefix = (prefix: string) => `golden:${prefix}breakers:process:`;
const resetChannel = (prefix: string) => `golden:${prefix}breakers:reset`;

const ProcessReportSchema = z.object({
  process: z.string(),
  service: z.string(),
  reportedAt: z.number(),
  breakers: z.array(
    z.object({
      name: z.string(),
      state: z.enum(BREAKER_STATES),
      failures: z.number(),
      totalFailures: z.number(),
      totalSuccesses: z.number(),
      lastFailureAt: z.number().nullable(),
      lastFailureMessage: z.string().nullable(),
      openedAt: z.number().nullable(),
    }),
  ),
});

const ResetMessage = z.object({ name: z.string(), by: z.string() });

export interface BreakerControlOptions {
  breakers: BreakerRegistry;
  service: string;
  prefix: string;
  /** Two connections without a breaker: the control plane must work while the `redis` breaker is open. */
  publisher: Redis;
  subscriber: Redis;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  clock?: () => number;
}

export interface BreakerControl {
  readonly process: string;
  /** Writes this process's report now (also done every BREAKER_REPORT_INTERVAL_MS). */
  report(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts reporting this process's breakers and obeying resets; resolves once subscribed. */
export async function startBreakerControl(opts: BreakerControlOptions): Promise<BreakerControl> {
  const clock = opts.clock ?? Date.now;
  const processId = `${hostname()}:${process.pid}:${opts.service}`;
  const key = `${keyPrefix(opts.prefix)}${processId}`;
  const channel = resetChannel(opts.prefix);

  const report = async () => {
    const body: ProcessReport = {
      process: processId,
      service: opts.service,
      reportedAt: clock(),
      breakers: opts.breakers.all().map(({ retryAfterMs: _retry, openSeconds: _open, ...stats }) => stats),
    };
    await opts.publisher.set(key, JSON.stringify(body), 'EX', REPORT_TTL_SECONDS);
  };
  const reportQuietly = () => report().catch((err: unknown) => opts.logger.warn({ err }, 'breaker report not written to redis'));

  opts.subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    let message: z.infer<typeof ResetMessage>;
    try {
      message = ResetMessage.parse(JSON.parse(raw));
    } catch (err) {
      opts.logger.warn({ err, raw }, 'ignored a malformed breaker reset message');
      return;
    }
    if (opts.breakers.reset(message.name)) {
      opts.logger.info({ breaker: message.name, by: message.by }, 'circuit breaker reset manually');
      void reportQuietly();
    }
  });
  // A process starts without Redis (the budget falls back to Postgres): it subscribes on a later tick.
  let subscribed = false;
  const subscribe = async () => {
    if (subscribed) return;
    try {
      await opts.subscriber.subscribe(channel);
      subscribed = true;
    } catch (err) {
      opts.logger.warn({ err }, 'breaker control: not subscribed to resets yet');
    }
  };
  await subscribe();
  await reportQuietly();
  const timer = setInterval(() => void subscribe().then(reportQuietly), BREAKER_REPORT_INTERVAL_MS);
  timer.unref();

  return {
    process: processId,
    report,
    async stop() {
      clearInterval(timer);
      await opts.subscriber.unsubscribe(channel).catch(() => undefined);
      // A stopped process leaves the list at once rather than after the TTL.
      await opts.publisher.del(key).catch(() => undefined);
    },
  };
}

/**
 * The control plane of a worker or API process, on two connections of its own (no breaker):
 * call once at start, after the adapters took their breakers from `breakers`.
 */
export async function startProcessBreakerControl(
  config: Pick<Config, 'REDIS_URL' | 'TEMPORAL_TASK_QUEUE_PREFIX'>,
  breakers: BreakerRegistry,
  service: string,
  logger: BreakerControlOptions['logger'],
): Promise<BreakerControl> {
  const onError = (err: Error) => logger.warn({ err }, 'breaker control: redis connection error');
  const publisher = createRedis(config, onError);
  const subscriber = createRedis(config, onError);
  const control = await startBreakerControl({ breakers, service, prefix: config.TEMPORAL_TASK_QUEUE_PREFIX, publisher, subscriber, logger });
  return {
    process: control.process,
    report: control.report,
    async stop() {
      await control.stop();
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

export class UnknownBreakerError extends Error {
  constructor(readonly breaker: string) {
    super(`no breaker named ${JSON.stringify(breaker)}: expected postgres, redis, docker or llm:<provider>:<host>`);
  }
}

/**
 * Asks every process of the deployment to close breaker `name`; resolves to how many processes
 * were listening. A process without that breaker ignores the message.
 */
export async function requestBreakerReset(redis: Redis, prefix: string, name: string, by: string): Promise<number> {
  if (!isBreakerName(name)) throw new UnknownBreakerError(name);
  return redis.publish(resetChannel(prefix), JSON.stringify({ name, by }));
}

export interface BreakerList {
  processes: Array<{ process: string; service: string; reportedAt: number }>;
  breakers: BreakerListRow[];
}

/** Every live process's breakers, each row with how long it has been open and whether it is stuck. */
export async function listBreakers(redis: Redis, prefix: string, now: number = Date.now()): Promise<BreakerList> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keyPrefix(prefix)}*`, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const values = keys.length ? await redis.mget(...keys) : [];
  const reports: ProcessReport[] = [];
  for (const value of values) {
    if (value === null) continue; // expired between SCAN and MGET
    const parsed = ProcessReportSchema.safeParse(JSON.parse(value));
    if (parsed.success) reports.push(parsed.data);
  }
  reports.sort((a, b) => a.process.localeCompare(b.process));
  return {
    processes: reports.map(({ process, service, reportedAt }) => ({ process, service, reportedAt })),
    breakers: breakerRows(reports, now, CRITICAL_BREAKER_PATTERN),
  };
}
