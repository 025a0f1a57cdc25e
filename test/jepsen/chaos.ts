import { Redis } from 'ioredis';
import { restartComponent } from '../../cli/stack/index.js';
import type { Config } from '../../lib/config.js';
import { waitFor } from '../support/processes.js';
import { requireServices } from '../support/services.js';

export type Service = 'postgres' | 'redis';

/** Restarts one stack service on its port (SIGKILL with `kill`); returns when it answers again, with how long it took. */
export async function restartService(name: Service, kill: boolean, log: (line: string) => void): Promise<number> {
  const started = Date.now();
  await restartComponent(name, { kill, log });
  return Date.now() - started;
}

/** Empties Redis: every stored answer and every in-flight marker is gone, as after losing its disk. */
export async function flushRedis(config: Config): Promise<void> {
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  redis.on('error', () => undefined);
  try {
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

/**
 * The suite must not leave a service down: if one does not answer (a
 * restart failed half-way), start it again and wait until it answers.
 */
export async function ensureServicesUp(config: Config, log: (line: string) => void): Promise<void> {
  for (const name of ['postgres', 'redis'] as const) {
    const up = await requireServices(config, [name]).then(
      () => true,
      () => false,
    );
    if (up) continue;
    log(`${name} does not answer after the suite: restarting it`);
    await restartComponent(name, { log }).catch((err: unknown) => log(`restart of ${name} failed: ${(err as Error).message}`));
    await waitFor(`${name} to answer`, () => requireServices(config, [name]).then(() => true), 60_000, 500);
  }
}
