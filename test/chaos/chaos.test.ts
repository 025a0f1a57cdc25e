/**
 * Chaos suite: the task pipeline on its own scratch stack (Postgres, Redis,
 * Temporal, dockerd started by `golden stack up --services-only` in a
 * temporary GOLDEN_DATA_DIR, so restarting them disturbs nobody), with the
 * real worker processes (dist/workers/*.js) and tasks created through the real
 * API app. One fault per scenario while tasks are in flight: worker processes
 * SIGKILLed at random, Temporal restarted, Postgres restarted, Redis
 * restarted, the HTTP LLM endpoint failing (500s and time-outs), the Docker
 * engine restarted. After each: every acknowledged task completed or parked
 * with a dead-letter record, exactly one charge per attempt key and no hold
 * left by a finished task, no sandbox container left, the audit trail intact
 * with every acknowledged creation in it. The table is printed at the end
 * and written to .data/test-results/chaos-table.txt.
 *
 * CHAOS_SCALE=ci (10 tasks, 1 process per queue, short faults) or full (the
 * default: 100 tasks, 2 processes per queue, 30 s faults). A task still open
 * when no task event was written for the scale's stall window is lost.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { createDocker } from '../../lib/docker.js';
import { projectRoot } from '../../lib/paths.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { uniqueId } from '../support/services.js';
import { auditProblems, ledgerViolations, sandboxContainers, settled, taskOutcomes, type TaskOutcomes } from './invariants.js';
import { ScriptedLlmEndpoint } from './llm-endpoint.js';
import { chaosScale } from './scale.js';
import { ScratchStack } from './scratch-stack.js';
import { formatTable, type ScenarioRow } from './table.js';
import { WorkerFleet } from './worker-fleet.js';

const scale = chaosScale(process.env.CHAOS_SCALE);
const log = (line: string) => process.stdout.write(`[chaos] ${line}\n`);
const rows: ScenarioRow[] = [];
let stack: ScratchStack | undefined;

/** A tenant's budget far above what the tasks use: a dead letter here is chaos's doing, not the budget's. */
const TENANT_LIMIT = 1_000_000_000;
const DESCRIPTION = 'Write fizzbuzz(n).';

/** Everything one scenario runs with. */
interface Run {
  config: Config;
  api: TestApi;
  db: Db;
  fleet: WorkerFleet;
  endpoint?: ScriptedLlmEndpoint;
}

/** Retries a query through an outage's tail (pooled connections may be dead after a restart). */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/**
 * POST /tasks with a client-chosen id, repeated until the API acknowledges it
 * (the id makes repeats idempotent), as a client facing an outage would.
 */
async function submit(run: Run, tenantId: string, taskId: string, deadline: number): Promise<boolean> {
  const token = await run.api.token('operator', tenantId, `chaos-${taskId}`);
  for (;;) {
    const res = await run.api.app
      .inject({ method: 'POST', url: '/tasks', headers: { authorization: `Bearer ${token}` }, payload: { id: taskId, title: 'FizzBuzz', description: DESCRIPTION, language: 'python' } })
      .catch(() => undefined);
    if (res && (res.statusCode === 200 || res.statusCode === 202)) return true;
    if (res && res.statusCode < 500 && res.statusCode !== 429) throw new Error(`POST /tasks ${taskId}: ${res.statusCode} ${res.body}`);
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

async function submitAll(run: Run, tenantId: string, ids: string[], acknowledged: string[], deadline: number): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      if (await submit(run, tenantId, id, deadline)) acknowledged.push(id);
      else log(`task ${id} was never acknowledged by the API (not counted)`);
    }),
  );
}

async function lastEventAt(db: Db, tenantId: string): Promise<number | undefined> {
  const { rows: r } = await db.query<{ at: Date | null }>('SELECT max(at) AS at FROM task_events WHERE tenant_id = $1', [tenantId]);
  return r[0]?.at?.getTime();
}

async function firstEventAfter(db: Db, tenantId: string, afterMs: number): Promise<number | undefined> {
  const { rows: r } = await db.query<{ at: Date | null }>('SELECT min(at) AS at FROM task_events WHERE tenant_id = $1 AND at > to_timestamp($2::double precision / 1000)', [
    tenantId,
    afterMs,
  ]);
  return r[0]?.at ? r[0].at.getTime() - afterMs : undefined;
}

interface ScenarioSpec {
  name: string;
  /** Workers and API use the HTTP LLM provider against the loopback endpoint instead of the scripted stand-in. */
  httpLlm?: boolean;
  /** Injects the fault; resolves when it is over (the service is back, the kills have stopped). */
  fault(run: Run): Promise<void>;
}

async function runScenario(spec: ScenarioSpec): Promise<{ row: ScenarioRow; outcomes: TaskOutcomes; details: string[] }> {
  const s = stack!;
  const tenantId = uniqueId(`chaos-${spec.name.slice(0, 1)}`).toLowerCase();
  const base = {
    TEMPORAL_TASK_QUEUE_PREFIX: `${uniqueId('chaos')}-`,
    LOG_LEVEL: 'warn',
    SCRIPTED_LLM_LATENCY_MS: String(scale.llmLatencyMs),
  };
  const config = loadConfig(s.env(base));
  const api = await createTestApi(config);
  const db = createDb(config, () => undefined);
  const run: Run = { config, api, db, fleet: undefined as unknown as WorkerFleet };
  try {
    // Info: the workers' readiness line ("workers started") is logged at that level.
    let workerEnv = s.env({ ...base, LOG_LEVEL: 'info' });
    if (spec.httpLlm) {
      run.endpoint = await ScriptedLlmEndpoint.start(db, scale.llmLatencyMs);
      // Time-outs must come quickly enough for the outage to matter within the scenario.
      workerEnv = s.env({ ...base, LOG_LEVEL: 'info', LLM_PROVIDER: 'openai', LLM_BASE_URL: run.endpoint.baseUrl, LLM_MODEL: 'scripted-over-http', LLM_TIMEOUT_MS: '2000' });
    }
    await db.query('INSERT INTO budget_limits (tenant_id, total_limit, period) VALUES ($1, $2, $3)', [tenantId, TENANT_LIMIT, 'total']);
    run.fleet = new WorkerFleet(workerEnv, scale.processesPerQueue);
    await run.fleet.start();

    const ids = Array.from({ length: scale.tasks }, (_, i) => `${tenantId}-t${i}`);
    const half = Math.ceil(ids.length / 2);
    const acknowledged: string[] = [];
    const submitDeadline = Date.now() + scale.faultMs + 120_000;
    await submitAll(run, tenantId, ids.slice(0, half), acknowledged, submitDeadline);
    // Let the first half get going, so the fault hits work in flight.
    await sleep(2_000);
    log(`${spec.name}: ${acknowledged.length} tasks in flight, fault starts`);
    const faultStart = Date.now();
    await Promise.all([spec.fault(run), submitAll(run, tenantId, ids.slice(half), acknowledged, submitDeadline)]);
    const faultEnd = Date.now();
    log(`${spec.name}: fault over after ${((faultEnd - faultStart) / 1000).toFixed(1)}s; waiting for every task to end or park`);

    // Slow is not lost: the wait goes on while tasks make progress, up to the cap; a stall ends it.
    let outcomes = await retrying(() => taskOutcomes(db, tenantId, acknowledged));
    const settleDeadline = faultEnd + scale.settleMs;
    let stalled = false;
    while (!settled(outcomes) && Date.now() < settleDeadline && !stalled) {
      await sleep(1_000);
      outcomes = await retrying(() => taskOutcomes(db, tenantId, acknowledged));
      const last = await retrying(() => lastEventAt(db, tenantId));
      stalled = Date.now() - Math.max(last ?? 0, faultEnd) > scale.stallMs;
    }
    if (!settled(outcomes)) log(`${spec.name}: ${stalled ? `no task event for ${scale.stallMs / 1000}s` : `not settled after ${scale.settleMs / 1000}s`}`);
    const settleMs = settled(outcomes) ? Date.now() - faultEnd : undefined;
    const recoverMs = await retrying(() => firstEventAfter(db, tenantId, faultEnd));
    await run.fleet.stop();

    const ledger = await retrying(() => ledgerViolations(db, tenantId));
    const containers = await retrying(() => sandboxContainers(createDocker(config)));
    const audit = await retrying(() => auditProblems(db, acknowledged));
    const row: ScenarioRow = {
      scenario: spec.name,
      tasks: acknowledged.length,
      completed: outcomes.completed.length,
      deadLettered: outcomes.deadLettered.length,
      otherEnd: outcomes.otherTerminal.length,
      lost: outcomes.lost.length,
      doubleCharges: ledger.doubleCharges.length,
      held: ledger.heldForFinished.length,
      containersLeft: containers.length,
      auditProblems: audit.length,
      crashes: run.fleet.crashes.length,
      faultMs: faultEnd - faultStart,
      recoverMs,
      settleMs,
    };
    const details = [
      ...outcomes.lost.map((l) => `lost: ${l}`),
      ...outcomes.otherTerminal.map((l) => `ended: ${l}`),
      ...outcomes.deadLettered.map((l) => `dead-lettered: ${l}`),
      ...ledger.doubleCharges.map((l) => `double charge: ${l}`),
      ...ledger.uncharged.map((l) => `uncharged: ${l}`),
      ...ledger.heldForFinished.map((l) => `held: ${l}`),
      ...containers.map((l) => `container left: ${l}`),
      ...audit.map((l) => `audit: ${l}`),
      ...run.fleet.crashes.map((l) => `worker crash: ${l}`),
    ];
    if (run.endpoint) details.push(`llm endpoint: ${JSON.stringify(run.endpoint.counts)}`);
    if (run.fleet.kills > 0) details.push(`workers SIGKILLed: ${run.fleet.kills}`);
    rows.push(row);
    for (const d of details) log(`${spec.name}: ${d}`);
    log(`${spec.name}:\n${formatTable([row])}`);
    return { row, outcomes, details };
  } finally {
    await run.fleet?.stop().catch(() => undefined);
    await run.endpoint?.close();
    await api.close().catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}

/** What must hold after every scenario. */
function assertInvariants(result: { row: ScenarioRow; details: string[] }): void {
  const { row, details } = result;
  const why = `\n${details.join('\n')}`;
  assert.ok(row.tasks > 0, 'the API acknowledged no task');
  assert.equal(row.lost, 0, `tasks neither ended nor parked${why}`);
  assert.equal(row.otherEnd, 0, `tasks ended otherwise than completed or parked${why}`);
  assert.equal(row.doubleCharges, 0, `ledger breaches${why}`);
  assert.ok(!details.some((d) => d.startsWith('uncharged: ')), `calls never charged${why}`);
  assert.equal(row.held, 0, `holds left by finished tasks${why}`);
  assert.equal(row.containersLeft, 0, `sandbox containers left${why}`);
  assert.equal(row.auditProblems, 0, `audit trail${why}`);
}

function randomBetween([lo, hi]: readonly [number, number]): number {
  return lo + Math.floor(Math.random() * (hi - lo));
}

describe(`chaos (${scale.name} scale: ${scale.tasks} tasks, ${scale.processesPerQueue} worker process(es) per queue)`, () => {
  before(async () => {
    stack = await ScratchStack.up(log);
  });

  after(async () => {
    if (rows.length > 0) {
      const table = formatTable(rows);
      process.stdout.write(`\nchaos table (${scale.name} scale)\n${table}\n\n`);
      const dir = join(projectRoot(), '.data', 'test-results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'chaos-table.txt'), `chaos table (${scale.name} scale)\n${table}\n`);
    }
    await stack?.down().catch((err: unknown) => log(`scratch stack down failed: ${(err as Error).message}`));
  });

  it('(a) worker processes SIGKILLed at random every few seconds, and restarted', async () => {
    assertInvariants(
      await runScenario({
        name: 'a: workers killed',
        async fault(run) {
          const end = Date.now() + scale.faultMs;
          while (Date.now() < end) {
            await sleep(randomBetween(scale.killEveryMs));
            await run.fleet.killAndReplace(Math.floor(Math.random() * run.fleet.size));
          }
        },
      }),
    );
  });

  it('(b) the Temporal server restarted', async () => {
    assertInvariants(await runScenario({ name: 'b: temporal restarted', fault: async () => void (await stack!.restart('temporal')) }));
  });

  it('(c) Postgres restarted', async () => {
    assertInvariants(await runScenario({ name: 'c: postgres restarted', fault: async () => void (await stack!.restart('postgres')) }));
  });

  it('(d) Redis restarted', async () => {
    assertInvariants(await runScenario({ name: 'd: redis restarted', fault: async () => void (await stack!.restart('redis')) }));
  });

  it('(e) the HTTP LLM endpoint answers 500s and time-outs, then recovers', async () => {
    assertInvariants(
      await runScenario({
        name: 'e: llm endpoint failing',
        httpLlm: true,
        async fault(run) {
          run.endpoint!.outage(scale.faultMs);
          await sleep(scale.faultMs);
        },
      }),
    );
  });

  it('(f) the Docker engine restarted', async () => {
    assertInvariants(await runScenario({ name: 'f: docker restarted', fault: async () => void (await stack!.restart('docker')) }));
  });

  it('the audit trail verifies with `golden audit verify` after every scenario', async () => {
    const out = await stack!.run(['audit', 'verify']);
    assert.match(out, /audit trail intact: \d+ entries/);
  });
});
