import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { runMigrations } from '../../lib/migrations.js';
import { CliError } from '../cli-error.js';
import { APP_NAMES, appPort, appPortKey, appProcess, ensureApp, httpOk } from './app-processes.js';
import { ensurePackages, installedBinaries } from './apt.js';
import {
  displayPath,
  findLivePid,
  managedStatus,
  stopForRestart,
  stopManaged,
  type ComponentStatus,
  type Log,
  type ManagedProcess,
  type StackContext,
} from './component.js';
import { detectExternalGvisor, dockerProcess, ensureDocker, findExternalDocker, managedDockerHost, pingSocket } from './docker.js';
import { buildStackEnv, databaseUrl, readStackEnvFile, writeStackEnv, type StackEnv } from './env-file.js';
import { acquireLock } from './lock.js';
import { COMPONENTS, logFileOf, pidFileOf, stackPaths, type ComponentName, type StackPaths } from './paths.js';
import { portAnswers } from './ports.js';
import { ensurePostgres, postgresProcess } from './postgres.js';
import { elapsed, readPidFile } from './processes.js';
import { purgeData } from './purge.js';
import { ensureSandboxImage } from './sandbox-image.js';
import { ensureRedis, redisAnswers, redisProcess } from './redis.js';
import { StackStateStore, type PortKey, type StackState } from './state.js';
import { knownTemporalPath, resolveTemporalBinary } from './temporal-binary.js';
import { ensureTemporal, temporalProcess } from './temporal.js';

export type { StackEnv } from './env-file.js';
export type { ComponentStatus } from './component.js';
export type { ComponentName as StackComponent } from './paths.js';

/** The components `restartComponent` (and `golden stack restart`) accepts. */
export const STACK_COMPONENTS: readonly ComponentName[] = COMPONENTS;

function defaultLog(line: string): void {
  process.stdout.write(`${line}\n`);
}

function prefixed(log: Log = defaultLog): Log {
  return (line) => log(`[stack] ${line}`);
}

function prepareDataDir(paths: StackPaths): void {
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o755 });
  // Postgres runs as another user and must traverse it; secrets inside are 0600 files.
  chmodSync(paths.dataDir, 0o755);
  mkdirSync(paths.runDir, { recursive: true });
  mkdirSync(paths.logsDir, { recursive: true });
  const socketPaths = [paths.postgres.socketDir, paths.docker.execRoot, paths.docker.socket];
  if (socketPaths.some((p) => p.startsWith(`${paths.shortDir}/`))) {
    // Created here, not as a side effect of a recursive mkdir with a narrower mode, because postgres must traverse it.
    mkdirSync(paths.shortDir, { recursive: true, mode: 0o755 });
    chmodSync(paths.shortDir, 0o755);
  }
}

/** One `up`/`down`/`restart` at a time per data dir, across processes and within one. */
async function withStackLock<T>(paths: StackPaths, log: Log, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(paths.lockFile, (holder) => log(`waiting for another stack command (pid ${holder})`));
  try {
    return await fn();
  } finally {
    release();
  }
}

function asCliError(component: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  return new CliError(`${component}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Settles every task, then throws one error naming each component that failed. */
async function allOrReport<T extends readonly unknown[]>(tasks: { [K in keyof T]: [string, Promise<T[K]>] }): Promise<T> {
  const settled = await Promise.allSettled(tasks.map(([, p]) => p));
  const failures = settled.flatMap((r, i) => (r.status === 'rejected' ? [asCliError(tasks[i]?.[0] ?? '?', r.reason).message] : []));
  if (failures.length > 0) throw new CliError(failures.join('\n\n'));
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function migrate(ctx: StackContext): Promise<void> {
  const started = Date.now();
  const { applied } = await runMigrations({
    databaseUrl: databaseUrl(ctx.store.state),
    migrationsDir: ctx.paths.migrationsDir,
    log: (line) => ctx.log(`migrations: ${line}`),
  });
  ctx.log(applied.length > 0 ? `migrations: applied ${applied.join(', ')} in ${elapsed(started)}` : 'migrations: up to date');
}

/**
 * Starts whatever is not running (Postgres, Redis, Docker, Temporal; then
 * the worker and the API unless servicesOnly), reusing what is, and writes
 * `.data/stack.env`. Safe to call again at any time.
 */
export async function stackUp(opts: { servicesOnly?: boolean; log?: Log } = {}): Promise<StackEnv> {
  const log = prefixed(opts.log);
  const paths = stackPaths();
  const started = Date.now();
  prepareDataDir(paths);
  return withStackLock(paths, log, async () => {
    const store = await StackStateStore.load(paths);
    const ctx: StackContext = { paths, store, log };

    // Our own dockerd, once started, stays the one we use even if a system daemon appears.
    const ownDocker = findLivePid(paths, dockerProcess(paths)) !== undefined;
    const externalDocker = ownDocker ? undefined : await findExternalDocker(paths, log);
    if (externalDocker) log(`docker: using ${externalDocker} (external, not managed here)`);
    const bins = await ensurePackages(paths, log, externalDocker === undefined);

    const [, , dockerHost, temporalCli] = await allOrReport<[void, void, string, string]>([
      ['postgres', ensurePostgres(ctx, bins).then(() => migrate(ctx).catch((err: unknown) => Promise.reject(asCliError('migrations', err))))],
      ['redis', ensureRedis(ctx, bins)],
      ['docker', externalDocker ? detectExternalGvisor(paths, externalDocker, log).then(() => externalDocker) : ensureDocker(ctx, bins)],
      ['temporal', resolveTemporalBinary(paths, log).then(async (bin) => (await ensureTemporal(ctx, bin), bin))],
    ]);

    writeStackEnv(paths, buildStackEnv(store.state, temporalCli, dockerHost));
    // The sandbox worker needs its image before it can run anything, in --services-only mode too (tests run their own workers).
    await ensureSandboxImage(paths, dockerHost, log).catch((err: unknown) => Promise.reject(asCliError('sandbox image', err)));
    if (!opts.servicesOnly) {
      await allOrReport(APP_NAMES.map((name) => [name, ensureApp(ctx, name, temporalCli, dockerHost)] as [string, Promise<void>]));
    }
    // An app may have moved to another port.
    const env = buildStackEnv(store.state, temporalCli, dockerHost);
    writeStackEnv(paths, env);
    log(`up in ${elapsed(started)}: env ${displayPath(paths, paths.envFile)}, Temporal Web UI ${env.TEMPORAL_UI_URL}`);
    return env;
  });
}

/** The processes this stack manages, in the order `down` stops them (users of a service before the service). */
function managedProcesses(paths: StackPaths, state: StackState, temporalCli: string | undefined): ManagedProcess[] {
  return [
    appProcess(paths, state, 'api'),
    appProcess(paths, state, 'worker'),
    temporalProcess(paths, state, temporalCli),
    redisProcess(state),
    postgresProcess(paths, state),
    dockerProcess(paths),
  ];
}

function recordedTemporalCli(paths: StackPaths): string | undefined {
  try {
    return readStackEnvFile(paths).TEMPORAL_CLI ?? knownTemporalPath();
  } catch {
    return knownTemporalPath();
  }
}

/** Stops what `up` started (found by pid file), never anything else; with purge, deletes the data dir too. */
export async function stackDown(opts: { purge?: boolean; log?: Log } = {}): Promise<void> {
  const log = prefixed(opts.log);
  const paths = stackPaths();
  if (!existsSync(paths.dataDir)) {
    log(`nothing to stop (${paths.dataDir} does not exist)`);
    return;
  }
  const started = Date.now();
  await withStackLock(paths, log, async () => {
    const state = StackStateStore.peek(paths);
    if (state) {
      for (const proc of managedProcesses(paths, state, recordedTemporalCli(paths))) await stopManaged({ paths, log }, proc);
    } else {
      log(`no ${displayPath(paths, paths.stateFile)}: nothing was started here`);
    }
    if (opts.purge) await purgeData(paths, log);
  });
  log(`down in ${elapsed(started)}`);
}

interface RestartTarget {
  proc: ManagedProcess;
  /** Ports it listens on; they must not move, its clients hold them. */
  ports: PortKey[];
  /** The same start `up` does (readiness check, logs, errors). */
  start: () => Promise<unknown>;
}

async function restartTarget(ctx: StackContext, name: ComponentName): Promise<RestartTarget> {
  const { paths, store } = ctx;
  const state = store.state;
  switch (name) {
    case 'postgres': {
      const bins = installedBinaries(false);
      return { proc: postgresProcess(paths, state, bins), ports: ['postgres'], start: () => ensurePostgres(ctx, bins) };
    }
    case 'redis': {
      const bins = installedBinaries(false);
      return { proc: redisProcess(state, bins), ports: ['redis'], start: () => ensureRedis(ctx, bins) };
    }
    case 'docker': {
      // As in `status`: no dockerd of ours, live or crashed, and a daemon answering elsewhere means that one is in use.
      if (findLivePid(paths, dockerProcess(paths)) === undefined && readPidFile(pidFileOf(paths, 'docker')) === undefined) {
        const external = await findExternalDocker(paths);
        if (external) {
          throw new CliError(`docker: this stack uses the daemon at ${external}, which it did not start; restart that one yourself (e.g. \`systemctl restart docker\`)`);
        }
      }
      const bins = installedBinaries(true);
      return { proc: dockerProcess(paths, bins), ports: [], start: () => ensureDocker(ctx, bins) };
    }
    case 'temporal': {
      const bin = recordedTemporalCli(paths);
      if (bin === undefined) throw new CliError('temporal: the temporal CLI this stack runs is not found; run `golden stack up`');
      return { proc: temporalProcess(paths, state, bin), ports: ['temporal', 'temporalUi'], start: () => ensureTemporal(ctx, bin) };
    }
    case 'worker':
    case 'api': {
      // The same values `up` gave it, so it comes back with the environment it had.
      const env = readStackEnvFile(paths);
      const temporalCli = env.TEMPORAL_CLI;
      const dockerHost = env.DOCKER_HOST;
      if (!temporalCli || !dockerHost) throw new CliError(`${displayPath(paths, paths.envFile)} lacks TEMPORAL_CLI or DOCKER_HOST; run \`golden stack up\``);
      return { proc: appProcess(paths, state, name), ports: [appPortKey(name)], start: () => ensureApp(ctx, name, temporalCli, dockerHost) };
    }
  }
}

/**
 * Stops one component this stack started and starts it again on the same
 * port with the same data, waiting until it is ready (the start is the one
 * `up` does). Gracefully by default (the component's stop signal and
 * timeout); with `kill`, SIGKILL to it, its process group and its children
 * at once, to simulate a crash. Clients lose their connections and must reconnect.
 * Takes the stack lock, so it waits for a running `up`/`down`/`restart`.
 * A component that crashed (its pid file names a dead process) is started
 * again; one this stack did not start (a stopped one, external Docker) is
 * refused with a CliError.
 */
export async function restartComponent(name: ComponentName, opts: { kill?: boolean; log?: Log } = {}): Promise<void> {
  if (!(COMPONENTS as readonly string[]).includes(name)) {
    throw new CliError(`unknown component "${String(name)}" (expected one of ${COMPONENTS.join(', ')})`);
  }
  const log = prefixed(opts.log);
  const kill = opts.kill === true;
  const paths = stackPaths();
  // Checked before the lock, which would create the run dir of a stack that does not exist.
  if (StackStateStore.peek(paths) === undefined) {
    throw new CliError(`cannot restart ${name}: the stack is not up (no ${displayPath(paths, paths.stateFile)}); run \`golden stack up\` first`);
  }
  await withStackLock(paths, log, async () => {
    const store = await StackStateStore.load(paths);
    const ctx: StackContext = { paths, store, log };
    const target = await restartTarget(ctx, name);
    const pid = findLivePid(paths, target.proc);
    const stale = pid === undefined ? readPidFile(pidFileOf(paths, name)) : undefined;
    if (pid === undefined && stale === undefined) {
      const hint = name === 'worker' || name === 'api' ? ' (`golden stack up --services-only` leaves out the worker and the API)' : '';
      throw new CliError(`cannot restart ${name}: it is not running and this stack did not start it${hint}; start it with \`golden stack up\``);
    }
    store.pin(target.ports);
    const started = Date.now();
    if (pid !== undefined) {
      await stopForRestart(ctx, target.proc, pid, kill);
    } else {
      log(`${name}: not running (pid ${stale} has exited), starting it again`);
    }
    try {
      await target.start();
    } catch (err) {
      // A pid file naming the old process makes `status` show it as crashed, and lets a retried restart through.
      const pidFile = pidFileOf(paths, name);
      const old = pid ?? stale;
      if (old !== undefined && readPidFile(pidFile) === undefined) writeFileSync(pidFile, `${old}\n`);
      throw new CliError(`${asCliError(name, err).message}\n${name} is down: fix the cause, then run \`golden stack restart ${name}\` or \`golden stack up\``);
    }
    log(`${name}: restarted in ${elapsed(started)}${kill && pid !== undefined ? ' (after SIGKILL)' : ''}`);
  });
}

export interface StackStatus {
  dataDir: string;
  envFile?: string;
  webUi?: { url: string; answers: boolean };
  components: ComponentStatus[];
  /** Components that were started but are not running or not answering. */
  problems: string[];
}

async function dockerStatus(paths: StackPaths): Promise<ComponentStatus> {
  const managed = await managedStatus(paths, dockerProcess(paths), managedDockerHost(paths), () => pingSocket(paths.docker.socket));
  if (managed.state !== 'stopped') return managed;
  const external = await findExternalDocker(paths);
  return external ? { name: 'docker', state: 'external', address: external, logFile: '-' } : managed;
}

/** What runs, where, and its log; starts nothing. */
export async function stackStatus(): Promise<StackStatus> {
  const paths = stackPaths();
  const state = StackStateStore.peek(paths);
  const envFile = existsSync(paths.envFile) ? paths.envFile : undefined;
  if (!state) {
    const components = (['postgres', 'redis', 'docker', 'temporal', 'worker', 'api'] as ComponentName[]).map(
      (name): ComponentStatus => ({ name, state: 'stopped', address: '-', logFile: logFileOf(paths, name) }),
    );
    const external = await findExternalDocker(paths);
    const docker: ComponentStatus = external
      ? { name: 'docker', state: 'external', address: external, logFile: '-' }
      : { name: 'docker', state: 'stopped', address: '-', logFile: logFileOf(paths, 'docker') };
    return { dataDir: paths.dataDir, envFile, components: components.map((c) => (c.name === 'docker' ? docker : c)), problems: [] };
  }
  const { ports, secrets } = state;
  const components = await Promise.all([
    managedStatus(paths, postgresProcess(paths, state), `127.0.0.1:${ports.postgres}`, () => portAnswers(ports.postgres)),
    managedStatus(paths, redisProcess(state), `127.0.0.1:${ports.redis}`, () => redisAnswers(ports.redis, secrets.redisPassword)),
    dockerStatus(paths),
    managedStatus(paths, temporalProcess(paths, state, recordedTemporalCli(paths)), `127.0.0.1:${ports.temporal}`, () =>
      portAnswers(ports.temporal),
    ),
    ...APP_NAMES.map((name) =>
      managedStatus(paths, appProcess(paths, state, name), `http://127.0.0.1:${appPort(state, name)}`, () =>
        httpOk(`http://127.0.0.1:${appPort(state, name)}/healthz`),
      ),
    ),
  ]);
  const problems = components.flatMap((c) =>
    c.state === 'crashed'
      ? [`${c.name} was started but is not running (see ${c.logFile})`]
      : c.state === 'not answering'
        ? [`${c.name} is running (pid ${c.pid}) but does not answer on ${c.address}`]
        : [],
  );
  const url = `http://127.0.0.1:${ports.temporalUi}`;
  const temporalUp = components.find((c) => c.name === 'temporal')?.state === 'running';
  return {
    dataDir: paths.dataDir,
    envFile,
    webUi: temporalUp ? { url, answers: await httpOk(url) } : undefined,
    components,
    problems,
  };
}

/** The variables written by the last `up` (for tests and tools that run beside the stack). */
export function readStackEnv(): Record<string, string> {
  return readStackEnvFile(stackPaths());
}
