import { mkdirSync } from 'node:fs';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes.js';
import { componentFailure, ensureRunning, type ManagedProcess, type StackContext } from './component.js';
import { TEMPORAL_NAMESPACE } from './env-file.js';
import { exeNameOf, runCommand } from './exec.js';
import type { StackPaths } from './paths.js';
import type { StackState } from './state.js';

/**
 * The CLI also reads TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TLS settings… from
 * the environment (e.g. after sourcing stack.env or a cloud profile); our
 * calls must reach our own server and nothing else.
 */
function cliEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
}

function addressOf(state: StackState): string {
  return `127.0.0.1:${state.ports.temporal}`;
}

function cli(bin: string, state: StackState, args: string[], timeoutMs = 15_000): ReturnType<typeof runCommand> {
  return runCommand(bin, [...args, '--address', addressOf(state), '--namespace', TEMPORAL_NAMESPACE, '--command-timeout', '10s'], {
    timeoutMs,
    env: cliEnv(),
  });
}

export function temporalProcess(paths: StackPaths, state: StackState, bin: string | undefined): ManagedProcess {
  return {
    name: 'temporal',
    exeName: bin ? exeNameOf(bin) : 'temporal',
    argMarker: paths.temporal.dbFile,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 20_000,
    readyTimeoutMs: 120_000,
    // Ready means our namespace is served, not just that the gRPC port is open.
    isReady: async () => bin !== undefined && (await cli(bin, state, ['operator', 'namespace', 'describe'])).code === 0,
  };
}

/**
 * start-dev registers --search-attribute only when it creates the database
 * file, so on a reused file the missing ones are added here.
 */
async function ensureSearchAttributes(ctx: StackContext, bin: string): Promise<void> {
  const state = ctx.store.state;
  const listed = await cli(bin, state, ['operator', 'search-attribute', 'list', '--output', 'json']);
  if (listed.code !== 0) throw componentFailure(ctx.paths, 'temporal', `cannot list search attributes: ${listed.stderr.trim()}`);
  const present = customAttributes(listed.stdout);
  for (const { name, type } of SEARCH_ATTRIBUTES) {
    const existing = present.get(name);
    if (existing !== undefined) {
      if (!sameType(existing, type)) ctx.log(`temporal: search attribute ${name} is ${existing}, expected ${type}`);
      continue;
    }
    const created = await cli(bin, state, ['operator', 'search-attribute', 'create', '--name', name, '--type', type]);
    if (created.code !== 0 && !/already exists/i.test(created.stderr)) {
      throw componentFailure(ctx.paths, 'temporal', `cannot create search attribute ${name}: ${created.stderr.trim()}`);
    }
    ctx.log(`temporal: registered search attribute ${name} (${type})`);
  }
}

/** `search-attribute list -o json` gives {"customAttributes": {"TenantId": "INDEXED_VALUE_TYPE_KEYWORD"}, …}. */
function customAttributes(json: string): Map<string, string> {
  const parsed = JSON.parse(json) as { customAttributes?: Record<string, string> };
  return new Map(Object.entries(parsed.customAttributes ?? {}).map(([name, type]) => [name, type.replace(/^INDEXED_VALUE_TYPE_/, '')]));
}

const sameType = (a: string, b: string): boolean => a.replace(/_/g, '').toLowerCase() === b.replace(/_/g, '').toLowerCase();

export async function ensureTemporal(ctx: StackContext, bin: string): Promise<void> {
  const { paths, store } = ctx;
  await ensureRunning(
    ctx,
    temporalProcess(paths, store.state, bin),
    () => `${addressOf(store.state)} (Web UI http://127.0.0.1:${store.state.ports.temporalUi})`,
    async () => {
      mkdirSync(paths.temporal.dir, { recursive: true, mode: 0o700 });
      const port = await store.claimPort('temporal', ctx.log, 'temporal');
      const uiPort = await store.claimPort('temporalUi', ctx.log, 'temporal web ui');
      return {
        address: `127.0.0.1:${port} (Web UI http://127.0.0.1:${uiPort})`,
        spec: {
          command: bin,
          args: [
            'server', 'start-dev',
            '--db-filename', paths.temporal.dbFile,
            '--ip', '127.0.0.1',
            '--port', String(port),
            '--ui-port', String(uiPort),
            // The Web UI decodes encrypted payloads through the API, for users the API lets decode.
            '--ui-codec-endpoint', `http://127.0.0.1:${store.state.ports.api}/codec`,
            '--namespace', TEMPORAL_NAMESPACE,
            '--log-format', 'json',
            '--log-level', 'warn',
            ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
          ],
          cwd: paths.temporal.dir,
          env: cliEnv(),
        },
      };
    },
  );
  await ensureSearchAttributes(ctx, bin);
}
