import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { APP_ROLE, appRolePassword, appRoleUrl } from '../../lib/migrations.js';
import { CliError } from '../cli-error.js';
import type { Binaries } from './apt.js';
import { componentFailure, displayPath, ensureRunning, type ManagedProcess, type StackContext } from './component.js';
import { databaseUrl } from './env-file.js';
import { exeNameOf, runCommand, runLogged } from './exec.js';
import { logFileOf, type StackPaths } from './paths.js';
import { elapsed, isZombie, processesWorkingIn, readPidFile, removeFile } from './processes.js';
import type { StackState } from './state.js';

interface OsUser {
  uid: number;
  gid: number;
}

// Debian's postgresql package creates this user; initdb and postgres refuse to run as root.
const PG_OS_USER = 'postgres';

/** The user to run postgres as: "postgres" when we are root (initdb refuses root), else ourselves (no switch). */
async function postgresOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = await Promise.all([runCommand('id', ['-u', PG_OS_USER]), runCommand('id', ['-g', PG_OS_USER])]);
  if (uid.code !== 0 || gid.code !== 0) throw new CliError(`the "${PG_OS_USER}" OS user does not exist; reinstall the postgresql package`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Postgres runs as another user, so every directory above its files must let that user through. */
function assertTraversable(target: string, user: OsUser): void {
  for (let dir = target; ; dir = dirname(dir)) {
    const st = statSync(dir);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new CliError(
        `postgres: ${dir} (mode ${(st.mode & 0o777).toString(8)}) cannot be entered by the "${PG_OS_USER}" user, ` +
          `which must reach ${target}; run \`chmod o+x ${dir}\` or set GOLDEN_DATA_DIR to a directory outside it`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

function ensureOwnedDir(dir: string, user: OsUser | undefined, mode: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (user) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, mode);
}

function clientConfig(paths: StackPaths, state: StackState, viaSocket: boolean, database: string): pg.ClientConfig {
  // The socket uses trust auth, so it works even if the password in stack.json was lost or changed.
  return viaSocket
    ? { host: paths.postgres.socketDir, port: state.ports.postgres, user: 'golden', database, connectionTimeoutMillis: 3000 }
    : { connectionString: databaseUrl(state), connectionTimeoutMillis: 3000 };
}

async function withClient<T>(config: pg.ClientConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    // end() of a client whose connect failed can hang; never wait on it for long.
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

async function answers(config: pg.ClientConfig): Promise<boolean> {
  try {
    await withClient(config, (c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

export function postgresProcess(paths: StackPaths, state: StackState, bins?: Binaries): ManagedProcess {
  return {
    name: 'postgres',
    exeName: bins ? exeNameOf(join(bins.postgresBinDir, 'postgres')) : 'postgres',
    argMarker: paths.postgres.dataDir,
    ownPidFile: join(paths.postgres.dataDir, 'postmaster.pid'),
    // SIGINT is postgres' "fast" shutdown: rolls back sessions, checkpoints, exits.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 20_000,
    readyTimeoutMs: 60_000,
    isReady: () => answers(clientConfig(paths, state, true, 'postgres')),
  };
}

async function initCluster(ctx: StackContext, bins: Binaries, user: OsUser | undefined): Promise<void> {
  const { paths, store } = ctx;
  const dataDir = paths.postgres.dataDir;
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  if (existsSync(dataDir)) {
    if (readdirSync(dataDir).length > 0) throw new CliError(`postgres: ${dataDir} is not empty but holds no cluster; move it away`);
    rmSync(dataDir, { recursive: true });
  }
  // initdb works in a side directory renamed at the end, so a killed initdb never leaves a half cluster behind.
  const staging = join(paths.postgres.dir, 'data.initdb');
  rmSync(staging, { recursive: true, force: true });
  ensureOwnedDir(staging, user, 0o700);
  const pwFile = join(paths.postgres.dir, 'initdb.pw');
  writeFileSync(pwFile, `${store.state.secrets.postgresPassword}\n`, { mode: 0o600 });
  if (user) chownSync(pwFile, user.uid, user.gid);
  const logFile = logFileOf(paths, 'postgres');
  ctx.log(`postgres: creating cluster in ${displayPath(paths, dataDir)}`);
  const started = Date.now();
  try {
    const code = await runLogged(
      join(bins.postgresBinDir, 'initdb'),
      [
        '-D', staging, '--username=golden', `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
        '--encoding=UTF8', '--locale=C.UTF-8',
      ],
      logFile,
      { uid: user?.uid, gid: user?.gid, cwd: paths.postgres.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } },
    );
    if (code !== 0) throw componentFailure(paths, 'postgres', `initdb failed (exit ${code})`);
  } finally {
    rmSync(pwFile, { force: true });
  }
  renameSync(staging, dataDir);
  ctx.log(`postgres: cluster created in ${elapsed(started)}`);
}

/** The application's connection (role golden_app, no ownership); databaseUrl() is the owner's, for migrations. */
export function appDatabaseUrl(state: StackState): string {
  return appRoleUrl(databaseUrl(state));
}

/**
 * Creates database golden, makes sure the password in stack.json works over
 * TCP, and gives the application's role golden_app a login with the password
 * derived from the owner's (created here before the first migration, which
 * then only grants it its rights).
 */
async function ensureDatabase(ctx: StackContext): Promise<void> {
  const { paths, store } = ctx;
  const state = store.state;
  await withClient(clientConfig(paths, state, true, 'postgres'), async (admin) => {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'golden'");
    if (exists.rowCount === 0) {
      await admin.query('CREATE DATABASE golden');
      ctx.log('postgres: created database golden');
    }
    if (!(await answers(clientConfig(paths, state, false, 'golden')))) {
      // Hex only, so it is safe inside the literal.
      await admin.query(`ALTER ROLE golden PASSWORD '${state.secrets.postgresPassword}'`);
      ctx.log('postgres: set the password of role golden to the one in stack.json');
    }
    const appConfig = { connectionString: appDatabaseUrl(state), connectionTimeoutMillis: 3000 };
    if (!(await answers(appConfig))) {
      const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
      // Hex only (an HMAC digest), so it is safe inside the literal.
      await admin.query(`${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${APP_ROLE} LOGIN PASSWORD '${appRolePassword(state.secrets.postgresPassword)}'`);
      ctx.log(`postgres: role ${APP_ROLE} can log in with the password derived from stack.json`);
    }
  });
  if (!(await answers(clientConfig(paths, state, false, 'golden')))) {
    throw componentFailure(paths, 'postgres', `is running but DATABASE_URL does not connect (127.0.0.1:${state.ports.postgres}, db golden)`);
  }
  if (!(await answers({ connectionString: appDatabaseUrl(state), connectionTimeoutMillis: 3000 }))) {
    throw componentFailure(paths, 'postgres', `is running but role ${APP_ROLE} cannot log in (127.0.0.1:${state.ports.postgres}, db golden)`);
  }
}

/**
 * postgres refuses to start while the pid in its lock files (postmaster.pid
 * in the data dir, .s.PGSQL.<port>.lock beside the socket) exists, and a
 * killed postmaster stays a zombie when nothing reaps it (an init that never
 * waits, as in some containers). Such lock files are removed once no process
 * of that instance is left: they all run in the data dir, and one still
 * attached to the old shared memory must not meet a new postmaster.
 */
async function clearZombieLocks(ctx: StackContext, port: number): Promise<void> {
  const { paths } = ctx;
  const dataDir = paths.postgres.dataDir;
  const stale = [join(dataDir, 'postmaster.pid'), join(paths.postgres.socketDir, `.s.PGSQL.${port}.lock`)].flatMap((file) => {
    const pid = readPidFile(file);
    return pid !== undefined && isZombie(pid) ? [{ file, pid }] : [];
  });
  if (stale.length === 0) return;
  const deadline = Date.now() + 5000;
  let left = processesWorkingIn(dataDir);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = processesWorkingIn(dataDir);
  }
  if (left.length > 0) {
    throw componentFailure(paths, 'postgres', `cannot start: processes ${left.join(', ')} of the old postmaster still run in ${dataDir}`);
  }
  for (const { file, pid } of stale) {
    removeFile(file);
    ctx.log(`postgres: removed ${displayPath(paths, file)}, left by pid ${pid}, which exited but was never reaped`);
  }
}

export async function ensurePostgres(ctx: StackContext, bins: Binaries): Promise<void> {
  const { paths, store } = ctx;
  const proc = postgresProcess(paths, store.state, bins);
  const address = (): string => `127.0.0.1:${store.state.ports.postgres}`;
  await ensureRunning(ctx, proc, address, async () => {
    const user = await postgresOsUser();
    if (!paths.postgres.dir.startsWith(`${paths.dataDir}/`)) {
      ctx.log(`postgres: the postgres user cannot reach ${paths.dataDir} (a parent is not world-traversable); its cluster lives in ${paths.postgres.dir}`);
    }
    chmodSync(paths.dataDir, 0o755);
    mkdirSync(paths.postgres.dir, { recursive: true, mode: 0o755 });
    chmodSync(paths.postgres.dir, 0o755);
    const socketParent = dirname(paths.postgres.socketDir);
    mkdirSync(socketParent, { recursive: true, mode: 0o755 });
    if (user) {
      assertTraversable(paths.postgres.dir, user);
      assertTraversable(socketParent, user);
    }
    ensureOwnedDir(paths.postgres.socketDir, user, 0o755);
    await initCluster(ctx, bins, user);
    const port = await store.claimPort('postgres', ctx.log, 'postgres');
    await clearZombieLocks(ctx, port);
    return {
      address: `127.0.0.1:${port}`,
      spec: {
        command: join(bins.postgresBinDir, 'postgres'),
        args: [
          '-D', paths.postgres.dataDir,
          '-c', 'listen_addresses=127.0.0.1',
          '-c', `port=${port}`,
          '-c', `unix_socket_directories=${paths.postgres.socketDir}`,
        ],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
        cwd: paths.postgres.dir,
        uid: user?.uid,
        gid: user?.gid,
      },
    };
  });
  await ensureDatabase(ctx);
}
