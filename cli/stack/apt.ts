import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';
import { displayPath, type Log } from './component.js';
import { findExecutable, isExecutable, runCommand, runLogged } from './exec.js';
import type { StackPaths } from './paths.js';
import { tailFile } from './processes.js';

export interface Binaries {
  /** /usr/lib/postgresql/<highest version>/bin */
  postgresBinDir: string;
  redisServer: string;
  /** Absent when an external Docker daemon is used. */
  dockerd?: string;
}

const PG_ROOT = '/usr/lib/postgresql';
/** Debian's chromium package; the e2e tests set it as playwright-core's executablePath. */
export const CHROMIUM = '/usr/bin/chromium';

/** Debian installs each major version side by side; the highest one wins. */
function findPostgresBinDir(): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const bin = join(PG_ROOT, version, 'bin');
    if (isExecutable(join(bin, 'postgres')) && isExecutable(join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

function locate(needDocker: boolean): { found: Partial<Binaries>; missing: string[] } {
  const found: Partial<Binaries> = {
    postgresBinDir: findPostgresBinDir(),
    redisServer: findExecutable('redis-server'),
    dockerd: needDocker ? findExecutable('dockerd') : undefined,
  };
  const missing: string[] = [];
  if (!found.postgresBinDir) missing.push('postgresql');
  if (!found.redisServer) missing.push('redis-server');
  if (needDocker && !found.dockerd) missing.push('docker.io');
  // Not run by the stack: the rule and routing tests call promtool and amtool (test/integration/observability-rules).
  if (!findExecutable('promtool')) missing.push('prometheus');
  if (!findExecutable('amtool')) missing.push('prometheus-alertmanager');
  // Not run by the stack: `golden backup` and `golden restore` copy Temporal's database with it.
  if (!findExecutable('sqlite3')) missing.push('sqlite3');
  // Not run by the stack: the console's end-to-end tests drive it headless (test/e2e).
  if (!isExecutable(CHROMIUM)) missing.push('chromium');
  return { found, missing };
}

/** The binaries of components that are already installed (a restart never installs anything). */
export function installedBinaries(needDocker: boolean): Binaries {
  const { found, missing } = locate(needDocker);
  if (missing.length > 0) throw new CliError(`${missing.join(', ')} not installed; run \`golden stack up\` first`);
  return found as Binaries;
}

async function aptInstall(paths: StackPaths, packages: string[], log: Log): Promise<void> {
  const aptGet = findExecutable('apt-get');
  if (!aptGet) throw new CliError(`missing ${packages.join(', ')} and apt-get is not available; install them by hand`);
  if (process.getuid?.() !== 0) {
    throw new CliError(`missing ${packages.join(', ')}; run as root or install them: sudo apt-get install -y ${packages.join(' ')}`);
  }
  const logFile = join(paths.logsDir, 'apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`packages: installing ${packages.join(' ')} (log ${displayPath(paths, logFile)})`);
  for (const args of [['update'], ['install', '-y', ...packages]]) {
    const code = await runLogged(aptGet, args, logFile, { env });
    if (code !== 0) {
      throw new CliError(`apt-get ${args[0]} failed (exit ${code})\n--- last lines of ${logFile} ---\n${tailFile(logFile, 20)}`);
    }
  }
}

async function describeInstalled(needDocker: boolean): Promise<string> {
  const packages = ['postgresql', 'redis-server', ...(needDocker ? ['docker.io'] : [])];
  const res = await runCommand('dpkg-query', ['-W', '--showformat=${Package} ${Version}\\n', ...packages], { timeoutMs: 10_000 });
  // A package absent from dpkg's database (e.g. installed from elsewhere) makes the exit code 1; the rest still print.
  return res.stdout.trim().split('\n').filter((l) => l !== '').join(', ');
}

/**
 * The binaries the stack runs, installing the Debian packages that are
 * missing (one `apt-get update`, one `apt-get install`).
 */
export async function ensurePackages(paths: StackPaths, log: Log, needDocker: boolean): Promise<Binaries> {
  let { found, missing } = locate(needDocker);
  if (missing.length > 0) {
    await aptInstall(paths, missing, log);
    ({ found, missing } = locate(needDocker));
    if (missing.length > 0) throw new CliError(`${missing.join(', ')} still missing after apt-get install`);
  }
  const versions = await describeInstalled(needDocker);
  log(`packages: ${versions || 'found'} (postgres in ${found.postgresBinDir})`);
  return found as Binaries;
}
