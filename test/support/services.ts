import { Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDocker } from '../../lib/docker.js';

/**
 * Integration tests run against the real stack that `npm test` brings up.
 * A missing service is a failure naming it, never a skip.
 */
export class MissingServiceError extends Error {
  override readonly name = 'MissingServiceError';
  constructor(service: string, address: string, cause: unknown) {
    super(`${service} is not reachable at ${address} (${(cause as Error)?.message ?? cause}); start the stack with \`golden stack up\` or run \`npm test\``);
  }
}

async function check(service: string, address: string, probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe();
  } catch (err) {
    throw new MissingServiceError(service, address, err);
  }
}

const safeUrl = (url: string) => url.replace(/\/\/[^@]*@/, '//***@');

export async function requireServices(config: Config, which: ReadonlyArray<'temporal' | 'postgres' | 'redis' | 'docker'> = ['temporal', 'postgres', 'redis', 'docker']): Promise<void> {
  const probes = {
    temporal: () =>
      check('Temporal', config.TEMPORAL_ADDRESS, async () => {
        const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: 5_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE });
        } finally {
          await connection.close();
        }
      }),
    postgres: () =>
      check('Postgres', safeUrl(config.DATABASE_URL), async () => {
        const client = new pg.Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: 5_000 });
        await client.connect();
        try {
          await client.query('SELECT 1');
        } finally {
          await client.end();
        }
      }),
    redis: () =>
      check('Redis', safeUrl(config.REDIS_URL), async () => {
        const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
        try {
          await redis.connect();
          await redis.ping();
        } finally {
          redis.disconnect();
        }
      }),
    docker: () => check('Docker', config.DOCKER_HOST ?? 'default socket', () => createDocker(config).ping()),
  };
  await Promise.all(which.map((name) => probes[name]()));
}

let counter = 0;
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** Unique per test process and call: ids, tenants and task-queue prefixes never collide across files or reruns. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${RUN}-${counter}`;
}

/** The stack's configuration with a task-queue prefix of this test file's own. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({ ...process.env, TEMPORAL_TASK_QUEUE_PREFIX: `${uniqueId('t')}-`, LOG_LEVEL: 'warn', ...overrides });
}
