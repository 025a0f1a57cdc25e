import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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
  secrets: z.object({ postgresPassword: secret, redisPassword: secret, jwtSecret: secret }),
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
    })
    .catch({}),
});

// Hex only: the secrets go into URLs and KEY=VALUE lines that have no quoting.
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Ports and secrets chosen at the first `up` and kept, so URLs and the postgres password stay stable. */
export class StackStateStore {
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

  /**
   * Keeps the remembered port when it is free; otherwise (something else took
   * it) moves the component to a new free port and remembers that one.
   */
  async claimPort(key: PortKey, log: (line: string) => void, label: string): Promise<number> {
    const current = this.state.ports[key];
    if (await isPortFree(current)) return current;
    const [next] = await pickFreePorts(1, new Set(Object.values(this.state.ports)));
    this.state.ports[key] = next as number;
    this.save();
    log(`${label}: port ${current} is taken by another program, using ${next}`);
    return next as number;
  }
}
