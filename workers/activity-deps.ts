import type { ActivityDeps } from '../activities/index.js';
import { BudgetController } from '../lib/budget/controller.js';
import { startBudgetCacheInvalidator } from '../lib/budget/cache-invalidator.js';
import { BreakerRegistry } from '../lib/circuit-breaker.js';
import type { Config } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { createDocker } from '../lib/docker.js';
import { createLlmProvider } from '../lib/llm/index.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { createRedis, type Redis } from '../lib/redis.js';
import { parseRateLimit } from '../domain/sandbox-rate-limit.js';
import { createSandboxExecutor } from '../lib/sandbox/from-config.js';
import { SandboxRateLimiter } from '../lib/sandbox/rate-limiter.js';
import { WarmPool } from '../lib/sandbox/warm-pool.js';

/** The adapters every activity needs, built once per process, and how to close them. */
export function createActivityDeps(
  config: Config,
  metrics: Metrics,
  logger: Pick<Logger, 'warn' | 'error'>,
): ActivityDeps & { breakers: BreakerRegistry; redis: Redis; close(): Promise<void> } {
  const breakers = new BreakerRegistry();
  const db = createDb(config, (err) => logger.warn({ err }, 'postgres connection error'), breakers);
  const redis = createRedis(config, (err) => logger.warn({ err }, 'redis connection error'), breakers);
  const budget = new BudgetController({
    db,
    redis,
    config,
    metrics,
    onRedisError: (err) => logger.warn({ err }, 'redis did not answer; the budget ledger decided alone'),
  });
  const invalidator = startBudgetCacheInvalidator(config, (tenant) => budget.dropCachedStatus(tenant), logger);
  const docker = createDocker(config, breakers);
  const executor = createSandboxExecutor(config, docker);
  // The pool starts containers only when a sandbox worker starts it (runWorkers); other processes never do.
  const sandbox = {
    executor,
    limiter: new SandboxRateLimiter(redis, parseRateLimit(config.SANDBOX_RATE_LIMIT)),
    pool:
      config.SANDBOX_WARM_POOL_SIZE > 0
        ? new WarmPool(executor, {
            size: config.SANDBOX_WARM_POOL_SIZE,
            maxAgeMs: config.SANDBOX_WARM_POOL_MAX_AGE_SECONDS * 1000,
            onError: (err) => logger.warn({ err }, 'warm sandbox container could not be started'),
          })
        : undefined,
  };
  return {
    db,
    metrics,
    budget,
    logger,
    breakers,
    redis,
    llm: createLlmProvider(config, breakers),
    llmPolicy: { correctiveRetries: config.LLM_CORRECTIVE_RETRIES, prices: config.LLM_PRICES },
    governance: {
      approvalTtlSeconds: config.PROMPT_APPROVAL_TTL_SECONDS,
      warnAfterSeconds: config.PROMPT_APPROVAL_WARN_SECONDS,
      recheckSeconds: config.PROMPT_RECHECK_SECONDS,
    },
    pipeline: {
      maxFixIterations: config.TASK_MAX_FIX_ITERATIONS,
      maxReviewRounds: config.TASK_MAX_REVIEW_ROUNDS,
      maxEscalations: config.TASK_MAX_ESCALATIONS,
      peerReviewDeadlineSeconds: config.PEER_REVIEW_DEADLINE_SECONDS,
      escalationDeadlineSeconds: config.ESCALATION_DEADLINE_SECONDS,
      autoApplyConfidence: config.ESCALATION_AUTO_APPLY_CONFIDENCE,
      deadLetterDeadlineSeconds: config.DEAD_LETTER_DEADLINE_SECONDS,
      qualityThreshold: config.GUARD_QUALITY_THRESHOLD,
      taskQueuePrefix: config.TEMPORAL_TASK_QUEUE_PREFIX,
    },
    docker,
    sandbox,
    async close() {
      await invalidator.stop();
      await sandbox.pool?.close();
      redis.disconnect();
      await db.end();
    },
  };
}
