import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BUDGET_PERIODS } from '../domain/budget.js';
import { PriceTable } from '../domain/llm/pricing.js';
import { describeZodError } from '../domain/validation.js';
import { TOKEN_DEFAULTS } from '../domain/identity-secrets.js';
import { SANDBOX_IMAGE_TAG } from '../domain/sandbox.js';
import { parseByteSize } from '../domain/sandbox-limits.js';
import { parseRateLimit } from '../domain/sandbox-rate-limit.js';
import { readEnvFile } from './env-file.js';
import { parsePayloadKeys } from './payload-codec.js';
import { projectRoot } from './paths.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number({ message: 'must be a port number' }).int('must be a whole number').min(0).max(65535);

/** A size like `256m`, `16m`, `1g` or a byte count, as bytes. */
const byteSize = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return typeof v === 'number' ? v : parseByteSize(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const ConfigSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('golden'),
  TEMPORAL_UI_URL: z.url({ message: 'must be a URL' }).optional(),
  /** Prefix for every task queue name; lets tests share a namespace without stealing each other's tasks. */
  TEMPORAL_TASK_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"').default(''),
  /** The `temporal` CLI binary (the stack records the one it runs); runbook commands and tests call it. */
  TEMPORAL_CLI: z.string().min(1).default('temporal'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),

  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** The schema owner's connection (migrations, backups); the application itself connects with DATABASE_URL as a non-owner. */
  DATABASE_OWNER_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  DATABASE_POOL_SIZE: z.coerce.number({ message: 'must be a number' }).int().min(1).max(200).default(10),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  DOCKER_HOST: z.string().optional(),

  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_ISSUER: z.string().min(1).default('golden'),
  JWT_AUDIENCE: z.string().min(1).default('golden-api'),
  /** Public keys (JWKS) for RS256/ES256/EdDSA tokens, read once at startup; each key needs a `kid`. */
  JWT_JWKS_FILE: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** An identity provider's JWKS endpoint (https, or http on loopback); refetched for rotation. */
  JWT_JWKS_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ message: 'must be a URL' }).optional()),
  /** Tolerance for `exp`, `nbf` and `iat` between our clock and the issuer's. */
  JWT_CLOCK_SKEW_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(0).max(300).default(TOKEN_DEFAULTS.clockSkewSeconds),
  /** A bearer token longer than this is refused before any parsing. */
  JWT_MAX_TOKEN_BYTES: z.coerce.number({ message: 'must be a number' }).int().min(512).max(65_536).default(TOKEN_DEFAULTS.maxTokenBytes),
  /** Development only: the API starts with a weak JWT_SECRET (with a warning) instead of refusing. */
  API_DEV_MODE: bool.default(false),
  /**
   * Proxies whose X-Forwarded-For is believed: empty (none; the socket's address counts), a number of
   * hops, or comma-separated addresses/CIDRs. Per-address rate limits and the audit trail use the result.
   */
  /** Multiplies every per-role limit of domain/roles.ts; for benchmarks and fuzzing runs only, never production. */
  API_RATE_LIMIT_SCALE: z.coerce.number({ message: 'must be a number' }).int().min(1).max(100_000).default(1),
  API_TRUST_PROXY: z
    .string()
    .default('')
    .refine((v) => v === '' || /^\d{1,2}$/.test(v) || v.split(',').every((p) => /^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(p.trim())), {
      message: 'must be empty, a number of hops, or comma-separated addresses/CIDRs',
    }),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(8080),
  API_URL: z.url({ message: 'must be a URL' }).default('http://127.0.0.1:8080'),
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  WORKER_METRICS_PORT: port.default(9464),
  /** Traces of API requests, workflows and activities: `none` (off, the default; nothing is installed), `console` (spans on stdout) or `otlp` (OTLP/HTTP). */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'console', 'otlp'], { message: 'must be none, console or otlp' }).default('none'),
  /** The collector's OTLP/HTTP traces endpoint, used when OTEL_TRACES_EXPORTER=otlp. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ message: 'must be a URL' }).default('http://127.0.0.1:4318/v1/traces'),
  /** Activities a worker process runs at once, on each of its queues; unset: per queue from domain/worker-capacity.ts. */
  WORKER_ACTIVITY_SLOTS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000).optional(),
  /** How long a stopping worker lets in-flight activities finish before cancelling them; keep below the pod's grace period. */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(0).max(3600).default(30),

  /** Bearer token the `golden` CLI sends to the API (or pass --token). */
  GOLDEN_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),

  BUDGET_DEFAULT_LIMIT: z.coerce.number({ message: 'must be a number' }).int().min(0).default(1_000_000),
  BUDGET_DEFAULT_PERIOD: z.enum(BUDGET_PERIODS).default('monthly'),
  /** A hold not committed or released by then is given back by the sweep (a crashed worker's call). */
  BUDGET_RESERVATION_TTL_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(10).max(86_400).default(900),
  /** How long a request id's first answer is kept for repeats; Postgres keeps the charge itself forever. */
  BUDGET_IDEMPOTENCY_TTL_HOURS: z.coerce.number({ message: 'must be a number' }).int().min(24, 'must be at least 24').max(24 * 30).default(48),
  /** How long a duplicate waits for the first request's answer before it proceeds itself. */
  BUDGET_INFLIGHT_TTL_MS: z.coerce.number({ message: 'must be a number' }).int().min(100).max(60_000).default(5_000),
  BUDGET_SWEEP_INTERVAL_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(3600).default(30),
  BUDGET_RECONCILE_INTERVAL_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(86_400).default(300),

  /** Where `golden backup` writes; outside the data dir, which `stack down --purge` deletes. */
  BACKUP_TARGET: z.string().min(1).default(join(homedir(), '.cache', 'golden-architecture', 'backups')),
  /** How many backups to keep (the newest); older ones are deleted after each backup. */
  BACKUP_RETENTION: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000).default(7),

  /** `openai` is any server with OpenAI's chat-completions API (OpenAI, vLLM, Ollama, LiteLLM). */
  LLM_PROVIDER: z.enum(['scripted', 'openai', 'anthropic']).default('scripted'),
  /** The provider's API root; when unset, the provider's public endpoint. */
  LLM_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ message: 'must be a URL' }).optional()),
  /** Required for anthropic and for OpenAI's own endpoint (checked by createLlmProvider: a refined schema cannot be picked). */
  LLM_API_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** The model name; when unset, a default per provider. */
  LLM_MODEL: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  LLM_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int().min(1000).max(600_000).default(60_000),
  /** Ask OpenAI-compatible servers for a JSON object answer (`response_format`). */
  LLM_JSON_MODE: bool.default(true),
  /** Delay of the scripted provider's answers, to behave like a real model in demos and durability tests. */
  SCRIPTED_LLM_LATENCY_MS: z.coerce.number({ message: 'must be a number' }).int().min(0).max(600_000).default(0),
  /**
   * AES-256-GCM keys of Temporal payloads, `kid:64-hex[,kid:64-hex…]`: the first encrypts, all decrypt
   * (rotate by putting a new key first). `golden stack up` generates one for the local stack.
   */
  PAYLOAD_ENCRYPTION_KEYS: z.string({ message: 'is required' }).transform((spec, ctx) => {
    try {
      return parsePayloadKeys(spec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** How long a prompt update may wait for a human, or for its role's limit and cooldown, before it expires. */
  PROMPT_APPROVAL_TTL_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(90 * 86_400).default(7 * 86_400),
  /** Waiting longer than this for approval raises the seed's warning. */
  PROMPT_APPROVAL_WARN_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(90 * 86_400).default(86_400),
  /** How often a waiting prompt update asks the database again (psql approvals, ended cooldowns). */
  PROMPT_RECHECK_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(86_400).default(60),
  /** Guard → remediation rounds of one solution before the task escalates. */
  TASK_MAX_FIX_ITERATIONS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(20).default(3),
  /** Peer reviews of one task (each rejection sends the solution back) before it escalates. */
  TASK_MAX_REVIEW_ROUNDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(10).default(3),
  /** Escalations one task may go through before it fails. */
  TASK_MAX_ESCALATIONS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(10).default(3),
  /** Votes arriving later than this are not counted. */
  PEER_REVIEW_DEADLINE_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(86_400).default(600),
  /** How long an escalation waits for a human decision before it fails and the task escalates again. */
  ESCALATION_DEADLINE_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(7 * 86_400).default(86_400),
  /** A supervisor synthesis at or above this confidence is applied without a human (never to abort, never over a security veto). */
  ESCALATION_AUTO_APPLY_CONFIDENCE: z.coerce.number({ message: 'must be a number' }).min(0).max(1).default(0.8),
  /** How long a parked task waits for a re-drive or discard of its dead letter before it fails. */
  DEAD_LETTER_DEADLINE_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(30 * 86_400).default(7 * 86_400),
  /** Below this weighted review score an approved solution is refactored. */
  GUARD_QUALITY_THRESHOLD: z.coerce.number({ message: 'must be a number' }).min(0).max(1).default(0.6),
  /** How many times a rejected answer is asked again with a correction before the call fails for good. */
  LLM_CORRECTIVE_RETRIES: z.coerce.number({ message: 'must be a number' }).int().min(0).max(10).default(2),
  /** JSON: model → USD per million tokens, e.g. {"gpt-4o-mini":{"prompt":0.15,"completion":0.6}}; unpriced models report no cost. */
  LLM_PRICES: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of model → {"prompt": n, "completion": n}' });
        return z.NEVER;
      }
      const parsed = PriceTable.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `must be a JSON object of model → {"prompt": n, "completion": n}: ${describeZodError(parsed.error)}` });
        return z.NEVER;
      }
      return parsed.data;
    }),

  /** The sandbox image (`golden stack up` builds the default from Debian packages; production pulls its own build of sandbox/Dockerfile). */
  SANDBOX_IMAGE: z.string().min(1).default(SANDBOX_IMAGE_TAG),
  /** `auto`: gVisor (`runsc`) when the engine lists it, else `runc`; a named runtime the engine lacks stops every run. */
  SANDBOX_RUNTIME: z.enum(['auto', 'runc', 'runsc']).default('auto'),
  SANDBOX_MEMORY: byteSize.default(parseByteSize('256m')),
  SANDBOX_CPUS: z.coerce.number({ message: 'must be a number' }).min(0.05).max(64).default(0.5),
  /** Processes and threads of one Python run (the seed's 10). */
  SANDBOX_PIDS_LIMIT: z.coerce.number({ message: 'must be a number' }).int().min(1).max(4096).default(10),
  /**
   * JavaScript needs more: node starts ~10 threads (V8 platform workers, libuv's pool) before any user
   * code, and `node --test` runs each test file in a child node process with as many again.
   */
  SANDBOX_PIDS_LIMIT_JAVASCRIPT: z.coerce.number({ message: 'must be a number' }).int().min(1).max(4096).default(64),
  /** Added to the pids limit under gVisor, whose own kernel's threads share the container's pids cgroup (runsc fails to start below ~32). */
  SANDBOX_RUNSC_PIDS_OVERHEAD: z.coerce.number({ message: 'must be a number' }).int().min(0).max(4096).default(32),
  SANDBOX_TMPFS_SIZE: byteSize.default(parseByteSize('16m')),
  SANDBOX_FILE_SIZE_LIMIT: byteSize.default(parseByteSize('8m')),
  SANDBOX_NOFILE_LIMIT: z.coerce.number({ message: 'must be a number' }).int().min(16).max(65_536).default(256),
  SANDBOX_TIMEOUT_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(600).default(30),
  SANDBOX_OUTPUT_LIMIT: byteSize.default(parseByteSize('1m')),
  SANDBOX_RATE_LIMIT: z
    .string()
    .default('10/minute')
    .superRefine((v, ctx) => {
      try {
        parseRateLimit(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** Started containers kept ready per language (0: every run starts its own container). */
  SANDBOX_WARM_POOL_SIZE: z.coerce.number({ message: 'must be a number' }).int().min(0).max(64).default(0),
  /** A warm container unused for this long is replaced, so none outlives its leftover deadline. */
  SANDBOX_WARM_POOL_MAX_AGE_SECONDS: z.coerce.number({ message: 'must be a number' }).int().min(10).max(86_400).default(600),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

/** Thrown when environment variables are missing or invalid; lists every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/**
 * The environment the process runs with: the local stack's env file (if any)
 * under the real environment, so an explicit variable always wins.
 */
export function effectiveEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = env.GOLDEN_ENV_FILE ?? join(env.GOLDEN_DATA_DIR ?? join(projectRoot(), '.data'), 'stack.env');
  return { ...readEnvFile(file), ...env };
}

function parse<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(root)'),
      message: issue.code === 'invalid_type' && env[String(issue.path[0])] === undefined ? 'is required' : issue.message,
    })),
  );
}

/** Validates every variable; for processes that need the whole platform (workers, API). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parse(ConfigSchema, effectiveEnv(env));
}

/** Validates only the named variables; for tools that need a few (the CLI's token command needs only JWT_*). */
export function loadConfigSubset<K extends ConfigKey>(keys: readonly K[], env: NodeJS.ProcessEnv = process.env): Pick<Config, K> {
  const mask: Partial<Record<ConfigKey, true>> = Object.fromEntries(keys.map((k) => [k, true]));
  return parse(ConfigSchema.pick(mask), effectiveEnv(env)) as unknown as Pick<Config, K>;
}
