import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StackComponent } from '../../cli/stack/index.js';
import { readEnvFile } from '../../lib/env-file.js';
import { distDir, projectRoot } from '../../lib/paths.js';

/** The data dir of the scratch stack that is up, for scripts/chaos.sh to stop after a killed run. */
export const SCRATCH_MARKER = join(projectRoot(), '.data', 'chaos-scratch-stack');

/** Variables a stack's env file defines: taken from the scratch stack, never inherited from the shared one. */
const STACK_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_UI_URL',
  'TEMPORAL_CLI',
  'DATABASE_URL',
  'REDIS_URL',
  'DOCKER_HOST',
  'JWT_SECRET',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'PAYLOAD_ENCRYPTION_KEYS',
  'API_PORT',
  'API_URL',
  'WORKER_METRICS_PORT',
  'GOLDEN_ENV_FILE',
] as const;

/**
 * A stack of its own (Postgres, Redis, Temporal, dockerd) in a temporary data
 * dir, started with `golden stack up --services-only`: the chaos suite
 * restarts and kills its services, which must not disturb anyone else.
 */
export class ScratchStack {
  private constructor(
    readonly dataDir: string,
    /** The scratch stack's variables (its stack.env), to put over any inherited ones. */
    readonly vars: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {}

  /** The environment of anything that must reach the scratch stack and nothing else. */
  static baseEnv(dataDir: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !(STACK_VARIABLES as readonly string[]).includes(k)) env[k] = v;
    env.GOLDEN_DATA_DIR = dataDir;
    return env;
  }

  static async up(log: (line: string) => void): Promise<ScratchStack> {
    const dataDir = mkdtempSync(join(tmpdir(), 'golden-chaos-'));
    // Postgres runs as its own user and must traverse the data dir (else its cluster goes outside it).
    chmodSync(dataDir, 0o755);
    const started = Date.now();
    await golden(ScratchStack.baseEnv(dataDir), ['stack', 'up', '--services-only'], log);
    // scripts/chaos.sh stops the stack named here if the suite is killed before its own `down`.
    mkdirSync(dirname(SCRATCH_MARKER), { recursive: true });
    writeFileSync(SCRATCH_MARKER, `${dataDir}\n`);
    const vars = readEnvFile(join(dataDir, 'stack.env'));
    log(`scratch stack up in ${((Date.now() - started) / 1000).toFixed(1)}s (data dir ${dataDir})`);
    return new ScratchStack(dataDir, vars, log);
  }

  /** The environment of a process that uses this stack (workers, the CLI), with overrides. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return { ...ScratchStack.baseEnv(this.dataDir), ...this.vars, ...overrides };
  }

  /** `golden stack restart NAME`: stops it (SIGKILL with kill) and waits until it is ready again; returns how long that took. */
  async restart(component: StackComponent, kill = false): Promise<number> {
    const started = Date.now();
    await golden(ScratchStack.baseEnv(this.dataDir), ['stack', 'restart', component, ...(kill ? ['--kill'] : [])], this.log);
    return Date.now() - started;
  }

  /** Runs a `golden` command against this stack; resolves with its output, rejects with it on a non-zero exit. */
  run(args: string[]): Promise<string> {
    return golden(this.env(), args, () => undefined);
  }

  /** `golden stack down --purge`: stops every service it started and deletes its data dir. */
  async down(): Promise<void> {
    try {
      await golden(ScratchStack.baseEnv(this.dataDir), ['stack', 'down', '--purge'], this.log);
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
      rmSync(SCRATCH_MARKER, { force: true });
    }
  }
}

function golden(env: Record<string, string>, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(distDir(), 'cli', 'golden.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString();
      for (const line of d.toString().split('\n')) if (line.trim() !== '') log(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(output) : reject(new Error(`golden ${args.join(' ')} exited with ${code ?? signal}:\n${output.slice(-2000)}`)),
    );
  });
}
