import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import type { Binaries } from './apt.js';
import { ensureRunning, type ManagedProcess, type StackContext } from './component.js';
import { exeNameOf } from './exec.js';
import type { StackState } from './state.js';

function command(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/**
 * AUTH then PING over a raw socket: true only for PONG, so an instance that
 * is still loading its AOF (-LOADING) or has another password is not "ready".
 */
export function redisAnswers(port: number, password: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(command('AUTH', password) + command('PING')));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n');
      if (lines.length < 3) return;
      done(lines[0] === '+OK' && lines[1] === '+PONG');
    });
  });
}

export function redisProcess(state: StackState, bins?: Binaries): ManagedProcess {
  return {
    name: 'redis',
    // redis-server is a symlink to redis-check-rdb on Debian; /proc/<pid>/exe shows the target.
    exeName: bins ? exeNameOf(bins.redisServer) : exeNameOf('/usr/bin/redis-server'),
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 20_000,
    readyTimeoutMs: 60_000,
    isReady: () => redisAnswers(state.ports.redis, state.secrets.redisPassword),
  };
}

export async function ensureRedis(ctx: StackContext, bins: Binaries): Promise<void> {
  const { paths, store } = ctx;
  await ensureRunning(
    ctx,
    redisProcess(store.state, bins),
    () => `127.0.0.1:${store.state.ports.redis}`,
    async () => {
      mkdirSync(paths.redis.dir, { recursive: true, mode: 0o700 });
      const port = await store.claimPort('redis', ctx.log, 'redis');
      // The password goes in a 0600 file rather than argv, which any local user can read in ps.
      const secretConf = join(paths.redis.dir, 'secret.conf');
      writeFileSync(secretConf, `requirepass ${store.state.secrets.redisPassword}\n`, { mode: 0o600 });
      return {
        address: `127.0.0.1:${port}`,
        spec: {
          command: bins.redisServer,
          args: [
            secretConf,
            '--bind', '127.0.0.1',
            '--port', String(port),
            '--dir', paths.redis.dir,
            // Idempotency keys live here and must survive a restart.
            '--appendonly', 'yes',
            '--appendfsync', 'everysec',
            '--daemonize', 'no',
            '--protected-mode', 'yes',
          ],
          cwd: paths.redis.dir,
        },
      };
    },
  );
}
