import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, before, after } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CliError } from '../../cli/cli-error.js';
import { readStackEnv, restartComponent, stackStatus, type ComponentStatus, type StackComponent } from '../../cli/stack/index.js';
import { stackPaths } from '../../cli/stack/paths.js';
import { loadConfig } from '../../lib/config.js';
import { requireServices, uniqueId } from '../support/services.js';

const config = loadConfig();

async function componentStatus(name: StackComponent): Promise<ComponentStatus> {
  const found = (await stackStatus()).components.find((c) => c.name === name);
  assert.ok(found, `stack status lists ${name}`);
  return found;
}

/** The pid of our running instance of name; fails (naming the state) when the stack does not manage it. */
async function managedPid(name: StackComponent): Promise<{ pid: number; address: string }> {
  const status = await componentStatus(name);
  assert.equal(status.state, 'running', `${name} must be a running component of this stack (is ${status.state})`);
  assert.ok(status.pid !== undefined);
  return { pid: status.pid, address: status.address };
}

/** AOF bytes redis has not yet written to its file; 0 means every acknowledged write is in the file (the OS keeps it across a SIGKILL). */
async function aofBufferLength(redis: Redis): Promise<number> {
  const info = await redis.info('persistence');
  const match = /^aof_buffer_length:(\d+)/m.exec(info);
  assert.ok(match, `INFO persistence shows aof_buffer_length (is AOF on?):\n${info}`);
  return Number(match[1]);
}

/**
 * A client that keeps working during the restart, as a chaos or Jepsen
 * client would: errors are counted, not fatal, and it must succeed again
 * afterwards.
 */
function keepTalking(op: () => Promise<unknown>): { stop: () => Promise<{ ok: number; failed: number }> } {
  let running = true;
  const counts = { ok: 0, failed: 0 };
  const loop = (async () => {
    while (running) {
      try {
        await op();
        counts.ok += 1;
      } catch {
        counts.failed += 1;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
}

/** Runs fn with GOLDEN_DATA_DIR pointing at dir, so stackPaths() resolves there. */
async function inDataDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.GOLDEN_DATA_DIR;
  process.env.GOLDEN_DATA_DIR = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.GOLDEN_DATA_DIR;
    else process.env.GOLDEN_DATA_DIR = saved;
  }
}

function cliError(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('golden stack restart', { timeout: 60_000 }, () => {
  const scratch: string[] = [];

  before(async () => {
    await requireServices(config, ['postgres', 'redis']);
  });
  after(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('kills redis (SIGKILL) and brings it back on the same port with its keys, while a client keeps talking', async (t) => {
    const previous = await managedPid('redis');
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => 50 });
    redis.on('error', () => undefined);
    try {
      const key = uniqueId('restart');
      await redis.set(key, 'survives', 'EX', 600);
      // appendfsync everysec may hold a write back while an fsync runs; only what redis wrote survives its crash.
      while ((await aofBufferLength(redis)) > 0) await new Promise((r) => setTimeout(r, 20));

      const chatter = keepTalking(() => redis.incr(`${key}:chatter`));
      await new Promise((r) => setTimeout(r, 100));
      const lines: string[] = [];
      const started = Date.now();
      await restartComponent('redis', { kill: true, log: (l) => lines.push(l) });
      const tookMs = Date.now() - started;
      await new Promise((r) => setTimeout(r, 300));
      const counts = await chatter.stop();
      t.diagnostic(`redis restart --kill took ${tookMs} ms; client ops during the test: ${counts.ok} ok, ${counts.failed} failed`);

      assert.ok(lines.some((l) => /redis: killing pid \d+, its process group and its children \(SIGKILL\)/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /redis: restarted in /.test(l)), lines.join('\n'));
      const afterRestart = await managedPid('redis');
      assert.notEqual(afterRestart.pid, previous.pid, 'a new redis process');
      assert.equal(afterRestart.address, previous.address, 'the same port');
      assert.equal(readStackEnv().REDIS_URL, config.REDIS_URL, 'stack.env still points at the same URL');
      // The same client, on the same URL, reconnected by itself.
      assert.equal(await redis.get(key), 'survives');
      assert.ok(counts.ok > 0 && (await redis.incr(`${key}:chatter`)) > 0);
      await redis.del(key, `${key}:chatter`);
    } finally {
      redis.disconnect();
    }
  });

  it('restarts postgres (gracefully, then by SIGKILL) on the same port with its rows, while a pool keeps querying', async (t) => {
    const previous = await managedPid('postgres');
    const pool = new pg.Pool({ connectionString: config.DATABASE_OWNER_URL ?? config.DATABASE_URL, max: 4, connectionTimeoutMillis: 2000 });
    // Idle clients get "terminating connection due to administrator command" when postgres shuts down.
    pool.on('error', () => undefined);
    // A scratch table, not a TEMPORARY one: those die with their session, and a restart ends every session.
    const table = uniqueId('restart_probe').toLowerCase().replace(/[^a-z0-9_]/g, '_');
    try {
      await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text NOT NULL)`);
      await pool.query(`INSERT INTO ${table} VALUES (1, 'survives')`);

      const chatter = keepTalking(() => pool.query('SELECT 1'));
      await new Promise((r) => setTimeout(r, 100));
      const lines: string[] = [];
      const started = Date.now();
      await restartComponent('postgres', { log: (l) => lines.push(l) });
      const tookMs = Date.now() - started;
      await new Promise((r) => setTimeout(r, 300));
      const counts = await chatter.stop();
      t.diagnostic(`postgres restart took ${tookMs} ms; pool queries during the test: ${counts.ok} ok, ${counts.failed} failed`);

      assert.ok(lines.some((l) => /postgres: stopping \(pid \d+, SIGINT\)/.test(l)), lines.join('\n'));
      const afterRestart = await managedPid('postgres');
      assert.notEqual(afterRestart.pid, previous.pid, 'a new postmaster');
      assert.equal(afterRestart.address, previous.address, 'the same port');
      assert.equal(readStackEnv().DATABASE_URL, config.DATABASE_URL, 'stack.env still points at the same URL');
      const { rows } = await pool.query(`SELECT note FROM ${table} WHERE id = 1`);
      assert.deepEqual(rows, [{ note: 'survives' }]);

      // A crash: a committed row (its WAL is flushed at commit) must come back through crash recovery.
      await pool.query(`INSERT INTO ${table} VALUES (2, 'committed before the crash')`);
      const killStarted = Date.now();
      await restartComponent('postgres', { kill: true, log: (l) => lines.push(l) });
      t.diagnostic(`postgres restart --kill took ${Date.now() - killStarted} ms`);
      assert.ok(lines.some((l) => /postgres: killing pid \d+, its process group and its children \(SIGKILL\)/.test(l)), lines.join('\n'));
      assert.equal((await managedPid('postgres')).address, previous.address, 'the same port after the crash');
      const recovered = await pool.query(`SELECT id, note FROM ${table} ORDER BY id`);
      assert.deepEqual(recovered.rows, [
        { id: 1, note: 'survives' },
        { id: 2, note: 'committed before the crash' },
      ]);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await pool.end();
    }
  });

  it('refuses unknown components, components it did not start and a stack that is not up', async () => {
    await assert.rejects(
      restartComponent('bogus' as StackComponent, { log: () => undefined }),
      cliError(/unknown component "bogus" \(expected one of postgres, redis, docker, temporal, worker, api\)/),
    );

    // A data dir with no stack in it: refused before anything is created there.
    const empty = mkdtempSync(join(tmpdir(), 'golden-restart-empty-'));
    scratch.push(empty);
    await inDataDir(empty, () =>
      assert.rejects(restartComponent('redis', { log: () => undefined }), cliError(/cannot restart redis: the stack is not up .*golden stack up/)),
    );
    assert.equal(existsSync(join(empty, 'run')), false, 'a refused restart creates nothing');

    // A stack whose state exists but whose redis this stack never started (no pid file): not ours to restart.
    const idle = mkdtempSync(join(tmpdir(), 'golden-restart-idle-'));
    scratch.push(idle);
    copyFileSync(stackPaths().stateFile, join(idle, 'stack.json'));
    await inDataDir(idle, () =>
      assert.rejects(
        restartComponent('redis', { log: () => undefined }),
        cliError(/cannot restart redis: it is not running and this stack did not start it; start it with `golden stack up`/),
      ),
    );

    // `up --services-only` (what the test script runs) leaves the apps to others; a restart must not start them.
    for (const app of ['worker', 'api'] as const) {
      if ((await componentStatus(app)).state !== 'stopped') continue;
      await assert.rejects(restartComponent(app, { log: () => undefined }), cliError(new RegExp(`cannot restart ${app}: it is not running and this stack did not start it`)));
      assert.equal((await componentStatus(app)).state, 'stopped');
    }
  });
});
