import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import type { StackPaths } from './paths.js';
import { isPortFree, pickFreePorts } from './ports.js';

const PORT_KEYS = ['postgres', 'redis', 'temporal', 'temporalUi', 'api', 'workerMetrics'] as const;
export type PortKey = (typeof PORT_KEYS)[number];

const port = z.number().int().min(1).max(65535);
const secret = z.string().regex(/^[0-9a-f]{32,}$/);

const StackStateSchema = z.object({
  ports: z.object(Object.fromEntries(PORT_KEYS.map((k) => [k, port])) as Record<PortKey, typeof port>),
  secrets: z.object({ postgresPassword: secret, redisPassword: secret, jwtSecret: secret, payloadKey: secret }),
});
export type StackState = z.infer<typeof StackStateSchema>;

// A field that is missing or damaged is regenerated alone; the rest is kept.
const StoredStateSchema = z.object({
  ports: z
    .object(Object.fromEntries(PORT_KEYS.map((k) => [k, port.optional().catch(undefined)])) as Record<PortKey, z.ZodCatch<z.ZodOptional<typeof port>>>)
    .partial()
    .catch({}),
  secrets: z
    .object({
      postgresPassword: secret.optional().catch(undefined),
      redisPassword: secret.optional().catch(undefined),
      jwtSecret: secret.optional().catch(undefined),
      payloadKey: secret.optional().catch(undefined),
    })
    .catch({}),
});

// Hex only: the secrets go into URLs and KEY=VALUE lines that have no quoting.
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Ports and secrets chosen at the first `up` and kept, so URLs and the postgres password stay stable. */
export class StackStateStore {
  /** Ports that must not move: clients of a restarted component still hold its old address. */
  private readonly pinned = new Set<PortKey>();

  private constructor(
    private readonly file: string,
    readonly state: StackState,
  ) {}

  static async load(paths: StackPaths): Promise<StackStateStore> {
    const file = paths.stateFile;
    let stored: unknown = {};
    if (existsSync(file)) {
      try {
        stored = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CliError(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`);
      }
    }
    const parsed = StoredStateSchema.safeParse(stored);
    const old = parsed.success ? parsed.data : { ports: {}, secrets: {} };
    const oldPorts: Partial<Record<PortKey, number>> = old.ports;
    const missing = PORT_KEYS.filter((k) => oldPorts[k] === undefined);
    const fresh = await pickFreePorts(missing.length, new Set(Object.values(oldPorts).filter((p) => p !== undefined)));
    const ports = { ...oldPorts } as Record<PortKey, number>;
    missing.forEach((k, i) => (ports[k] = fresh[i] as number));

    const state = StackStateSchema.parse({
      ports,
      secrets: {
        postgresPassword: old.secrets.postgresPassword ?? hex(24),
        redisPassword: old.secrets.redisPassword ?? hex(24),
        jwtSecret: old.secrets.jwtSecret ?? hex(32),
        payloadKey: old.secrets.payloadKey ?? hex(32),
      },
    });
    const store = new StackStateStore(file, state);
    if (JSON.stringify(stored) !== JSON.stringify(state)) store.save();
    return store;
  }

  /** The stored state as is, for read-only commands; undefined before the first `up`. */
  static peek(paths: StackPaths): StackState | undefined {
    try {
      const parsed = StackStateSchema.safeParse(JSON.parse(readFileSync(paths.stateFile, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o755 });
    // Write-then-rename: a crash mid-write must not lose the postgres password.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** From now on claimPort keeps these ports: it waits for them to be released instead of moving the component. */
  pin(keys: readonly PortKey[]): void {
    for (const key of keys) this.pinned.add(key);
  }

  private async waitForPinned(key: PortKey, log: (line: string) => void, label: string, timeoutMs = 10_000): Promise<number> {
    const port = this.state.ports[key];
    log(`${label}: port ${port} is still taken, waiting up to ${timeoutMs / 1000}s for it to be released`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(100);
      if (await isPortFree(port)) return port;
    }
    throw new CliError(
      `${label}: port ${port} is taken by another program (see \`ss -ltnp 'sport = :${port}'\`), so ${label} cannot come back ` +
        `where its clients expect it and is stopped; free the port, or run \`golden stack up\` to start it on another port`,
    );
  }

  /**
   * Keeps the remembered port when it is free; otherwise (something else took
   * it) moves the component to a new free port and remembers that one.
   */
  async claimPort(key: PortKey, log: (line: string) => void, label: string): Promise<number> {
    const current = this.state.ports[key];
    if (await isPortFree(current)) return current;
    if (this.pinned.has(key)) return this.waitForPinned(key, log, label);
    const [next] = await pickFreePorts(1, new Set(Object.values(this.state.ports)));
    this.state.ports[key] = next as number;
    this.save();
    log(`${label}: port ${current} is taken by another program, using ${next}`);
    return next as number;
  }
}
