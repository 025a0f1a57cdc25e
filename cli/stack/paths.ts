import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { projectRoot } from '../../lib/paths.js';

export const COMPONENTS = ['postgres', 'redis', 'docker', 'temporal', 'worker', 'api'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Every file and directory the stack manager reads or writes. */
export interface StackPaths {
  root: string;
  dataDir: string;
  runDir: string;
  logsDir: string;
  stateFile: string;
  envFile: string;
  lockFile: string;
  /** Fallback for unix sockets whose path under dataDir would be too long. */
  shortDir: string;
  /** Where Postgres lives when the postgres user cannot reach dataDir (the clone sits under a 0700 directory). */
  outsideDir: string;
  migrationsDir: string;
  distDir: string;
  postgres: { dir: string; dataDir: string; socketDir: string };
  redis: { dir: string };
  docker: {
    dir: string;
    dataRoot: string;
    execRoot: string;
    socket: string;
    pidFile: string;
    /** The daemon config (`--config-file`) the stack writes: the runsc runtime when gVisor works here. */
    configFile: string;
    /** What the last gVisor set-up found (runsc path and platform, or why gVisor is unavailable). */
    runscStatusFile: string;
  };
  temporal: { dir: string; dbFile: string };
}

// sun_path holds 108 bytes; stay well under it so suffixes such as ".ttrpc" still fit.
const MAX_SOCKET_PATH = 100;

function fitsSocket(path: string): boolean {
  return Buffer.byteLength(path) < MAX_SOCKET_PATH;
}

/**
 * True when every existing directory from `dir` up lets "others" through:
 * Postgres runs as its own OS user, which is neither owner nor group of a
 * root's checkout. The data dir itself may not exist yet.
 */
function othersCanReach(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      // Not created yet: created later with mode 0755.
    }
    if (dirname(d) === d) return true;
  }
}

export function stackPaths(env: NodeJS.ProcessEnv = process.env): StackPaths {
  const root = projectRoot();
  const dataDir = resolve(env.GOLDEN_DATA_DIR ?? join(root, '.data'));
  // Hash the data dir, not the root: two data dirs of one checkout must not share sockets.
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 8);
  const shortDir = `/run/golden-${hash}`;
  const outsideDir = `/var/lib/golden-architecture/${hash}`;

  const pgDir = othersCanReach(dataDir) ? join(dataDir, 'postgres') : join(outsideDir, 'postgres');
  const pgSocketDir = join(pgDir, 'run');
  const dockerDir = join(dataDir, 'docker');
  const dockerExec = join(dockerDir, 'exec');
  const dockerSocket = join(dockerDir, 'docker.sock');

  return {
    root,
    dataDir,
    runDir: join(dataDir, 'run'),
    logsDir: join(dataDir, 'logs'),
    stateFile: join(dataDir, 'stack.json'),
    envFile: join(dataDir, 'stack.env'),
    lockFile: join(dataDir, 'run', 'stack.lock'),
    shortDir,
    outsideDir,
    migrationsDir: join(root, 'migrations'),
    distDir: join(root, 'dist'),
    postgres: {
      dir: pgDir,
      dataDir: join(pgDir, 'data'),
      socketDir: fitsSocket(join(pgSocketDir, '.s.PGSQL.65535')) ? pgSocketDir : join(shortDir, 'pg'),
    },
    redis: { dir: join(dataDir, 'redis') },
    docker: {
      dir: dockerDir,
      dataRoot: join(dockerDir, 'data'),
      execRoot: fitsSocket(join(dockerExec, 'containerd', 'containerd.sock')) ? dockerExec : join(shortDir, 'exec'),
      socket: fitsSocket(dockerSocket) ? dockerSocket : join(shortDir, 'docker.sock'),
      pidFile: join(dockerDir, 'docker.pid'),
      configFile: join(dockerDir, 'daemon.json'),
      runscStatusFile: join(dockerDir, 'runsc.json'),
    },
    temporal: { dir: join(dataDir, 'temporal'), dbFile: join(dataDir, 'temporal', 'temporal.db') },
  };
}

export function pidFileOf(paths: StackPaths, component: ComponentName): string {
  return join(paths.runDir, `${component}.pid`);
}

export function logFileOf(paths: StackPaths, component: ComponentName): string {
  return join(paths.logsDir, `${component}.log`);
}
