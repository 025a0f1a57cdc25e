/**
 * What the API's protection costs per request: the same read of one task
 * (GET /tasks/:id, one indexed Postgres query) served two ways, in one process,
 * on loopback, in the same run:
 *   api   the real API: bearer JWT verified, role checked against the route's
 *         permission, rate limit counted in Redis (limits scaled up so nothing is
 *         refused), tenant checked, zod-serialized answer, request metrics
 *   bare  a bare Fastify route doing the same query and answering the same JSON
 * A warm-up, then interleaved rounds (the order alternates) so drift hits
 * both alike; autocannon drives each with the same connections. Prints
 * requests per second, p50/p99 latency, CPU per request of this process
 * (both servers and the load generator: on a busy machine a steadier figure
 * than throughput) and `api/bare=<ratio>` (goal ≥ 0.5).
 * Exits non-zero only if an answer is not a 200.
 *
 * BENCH_SCALE=ci: under 40 s; default: under 2 min.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../api/app.js';
import { taskWorkflowId } from '../domain/workflow-ids.js';
import { BudgetController } from '../lib/budget/controller.js';
import { loadConfig } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { createMetrics } from '../lib/metrics.js';
import { createRedis } from '../lib/redis.js';
import { ensureTask, getTaskRow, toTaskView } from '../lib/task-store.js';
import { connectClient } from '../lib/temporal-connection.js';
import { signToken } from '../lib/tokens.js';
import { requireServices } from '../test/support/services.js';

const SCALES = {
  ci: { warmupS: 2, rounds: 3, roundS: 4 },
  default: { warmupS: 3, rounds: 6, roundS: 8 },
} as const;
const CONNECTIONS = 16;
const POOL_SIZE = 8;
/** Admin's 100/min × this: far above what one loopback client can send in a minute. */
const RATE_LIMIT_SCALE = 100_000;

interface Totals {
  name: 'api' | 'bare';
  url: string;
  headers: Record<string, string>;
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  bad: number;
  /** CPU time of this process (servers and load generator alike) while measured, in ms. */
  cpuMs: number;
}

async function drive(t: Totals, seconds: number, measured: boolean): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({ url: t.url, headers: t.headers, connections: CONNECTIONS, duration: seconds });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    t.bad += bad;
    console.error(`api bench: ${t.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  if (!measured) return;
  const cpu = process.cpuUsage(cpuBefore);
  t.cpuMs += (cpu.user + cpu.system) / 1000;
  t.requests += result.requests.total;
  t.seconds += result.duration;
  t.p50.push(result.latency.p50);
  t.p99.push(result.latency.p99);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rate = (t: Totals) => t.requests / t.seconds;

async function main(): Promise<void> {
  const scaleName = process.env.BENCH_SCALE === 'ci' ? 'ci' : 'default';
  const scale = SCALES[scaleName];
  const config = loadConfig({ ...process.env, API_RATE_LIMIT_SCALE: String(RATE_LIMIT_SCALE), LOG_LEVEL: 'warn' });
  await requireServices(config, ['temporal', 'postgres', 'redis']);
  const db = createDb({ DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: POOL_SIZE });
  const redis = createRedis(config);
  const temporal = await connectClient(config);
  const metrics = createMetrics('api-bench');
  const budget = new BudgetController({ db, redis, config, metrics });
  const run = randomUUID().slice(0, 8);
  const tenant = `bench-${run}`;
  const taskId = `bench-${run}`;
  const rateLimitKeyPrefix = `golden:bench:${run}:`;
  await ensureTask(db, taskId, taskWorkflowId(taskId), { title: 'bench', description: 'a task read by the API benchmark', language: 'python', tenantId: tenant, requestedBy: 'bench' }, 'queued');

  const api = await buildApp({ config, db, temporal, metrics, logger: createLogger('api-bench', 'warn'), budget, redis, rateLimitKeyPrefix });
  const bare = Fastify();
  bare.get<{ Params: { id: string } }>('/tasks/:id', async (request, reply) => {
    const row = await getTaskRow(db, request.params.id);
    return row ? toTaskView(row) : reply.code(404).send({ error: 'not found' });
  });
  const port = async (app: { listen(o: { host: string; port: number }): Promise<string>; server: { address(): unknown } }) => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    return (app.server.address() as AddressInfo).port;
  };
  const token = await signToken(config, { sub: 'bench-reader', tenant, role: 'observer' }, 3600);
  const variants: Totals[] = [
    { name: 'api', url: `http://127.0.0.1:${await port(api)}/tasks/${taskId}`, headers: { authorization: `Bearer ${token}` }, requests: 0, seconds: 0, p50: [], p99: [], bad: 0, cpuMs: 0 },
    { name: 'bare', url: `http://127.0.0.1:${await port(bare)}/tasks/${taskId}`, headers: {}, requests: 0, seconds: 0, p50: [], p99: [], bad: 0, cpuMs: 0 },
  ];
  console.log(
    `api bench (${scaleName}): GET /tasks/:id, ${CONNECTIONS} connections, pool ${POOL_SIZE}, role observer, rate limits ×${RATE_LIMIT_SCALE}; ` +
      `warm-up ${scale.warmupS} s each, ${scale.rounds} interleaved rounds of ${scale.roundS} s each (run ${run})`,
  );
  try {
    for (const v of variants) await drive(v, scale.warmupS, false);
    for (let round = 0; round < scale.rounds; round += 1) {
      for (let i = 0; i < variants.length; i += 1) await drive(variants[(i + round) % variants.length]!, scale.roundS, true);
    }
  } finally {
    await api.close();
    await bare.close();
    await db.query('DELETE FROM tasks WHERE tenant_id = $1', [tenant]);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${rateLimitKeyPrefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await temporal.connection.close();
    redis.disconnect();
    await db.end();
  }
  for (const v of variants) {
    console.log(`  ${v.name.padEnd(4)} ${rate(v).toFixed(0).padStart(6)} req/s   p50 ${median(v.p50).toFixed(1)} ms   p99 ${median(v.p99).toFixed(1)} ms   CPU ${((v.cpuMs / v.requests) * 1000).toFixed(0)} µs/request   (${v.requests} requests)`);
  }
  const [apiTotals, bareTotals] = variants as [Totals, Totals];
  console.log(`api/bare=${(rate(apiTotals) / rate(bareTotals)).toFixed(2)} (goal ≥ 0.5; p99 median of ${scale.rounds} rounds: api ${median(apiTotals.p99).toFixed(1)} ms, bare ${median(bareTotals.p99).toFixed(1)} ms)`);
  if (variants.some((v) => v.bad > 0)) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
