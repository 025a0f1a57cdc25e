import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';
import { ensureRunning, findLivePid, stopManaged, type ManagedProcess, type StackContext } from './component.js';
import { buildStackEnv, type StackEnv } from './env-file.js';
import { exeNameOf } from './exec.js';
import { pidFileOf, type StackPaths } from './paths.js';
import { fileMtimeMs } from './processes.js';
import type { PortKey, StackState } from './state.js';

export const APP_NAMES = ['worker', 'api'] as const;
export type AppName = (typeof APP_NAMES)[number];

const APPS: Record<AppName, { script: string; portKey: PortKey }> = {
  worker: { script: 'workers/dev.js', portKey: 'workerMetrics' },
  api: { script: 'api/server.js', portKey: 'api' },
};

export function appScript(paths: StackPaths, name: AppName): string {
  return join(paths.distDir, APPS[name].script);
}

export function appPortKey(name: AppName): PortKey {
  return APPS[name].portKey;
}

export function appPort(state: StackState, name: AppName): number {
  return state.ports[appPortKey(name)];
}

/** GET url answered with 200 within the timeout. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export function appProcess(paths: StackPaths, state: StackState, name: AppName): ManagedProcess {
  return {
    name,
    exeName: exeNameOf(process.execPath),
    argMarker: appScript(paths, name),
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 20_000,
    readyTimeoutMs: 60_000,
    isReady: () => httpOk(`http://127.0.0.1:${appPort(state, name)}/healthz`),
  };
}

/** True when `npm run build` ran after the process started, so it runs old code. */
function builtAfterStart(paths: StackPaths, name: AppName): boolean {
  const buildId = join(paths.distDir, '.build-id');
  const built = fileMtimeMs(existsSync(buildId) ? buildId : appScript(paths, name));
  const started = fileMtimeMs(pidFileOf(paths, name));
  return built !== undefined && started !== undefined && built > started;
}

/**
 * Starts (or reuses, or restarts after a rebuild) one app process with the
 * stack's variables in its environment. A port taken by another program
 * moves the app; the caller rewrites stack.env afterwards.
 */
export async function ensureApp(ctx: StackContext, name: AppName, temporalCli: string, dockerHost: string): Promise<void> {
  const { paths, store } = ctx;
  const script = appScript(paths, name);
  if (!existsSync(script)) throw new CliError(`${name}: ${script} does not exist; run \`npm run build\` first`);
  const proc = appProcess(paths, store.state, name);
  if (findLivePid(paths, proc) !== undefined && builtAfterStart(paths, name)) {
    ctx.log(`${name}: dist/ was rebuilt after it started, restarting`);
    await stopManaged(ctx, proc);
  }
  await ensureRunning(
    ctx,
    proc,
    () => `http://127.0.0.1:${appPort(store.state, name)}`,
    async () => {
      const port = await store.claimPort(APPS[name].portKey, ctx.log, name);
      const env: StackEnv = buildStackEnv(store.state, temporalCli, dockerHost);
      return {
        address: `http://127.0.0.1:${port}`,
        spec: {
          command: process.execPath,
          args: [script],
          cwd: paths.root,
          // Stack values win over stale ones inherited from a shell that sourced an older stack.env.
          env: { ...process.env, ...env, GOLDEN_DATA_DIR: paths.dataDir },
        },
      };
    },
  );
}
