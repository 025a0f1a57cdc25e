/**
 * The 10× load test, on loopback against the running stack: tasks created
 * through the real API (a process of its own) with the scripted LLM, at a
 * steady rate, then ten times that rate, then steady again. `golden scale
 * --run` runs the worker processes (dist/workers/<queue>.js) and scales them
 * on their queues' backlog with domain/scaling.ts's rule; a real Prometheus
 * (Debian's) scrapes the API and every worker and evaluates the project's
 * rule file (k8s/prometheus/golden.rules.yml).
 *
 * Prints backlog, workers and p95 end-to-end latency per queue over time and
 * a summary; writes them with a PNG chart under the data dir
 * (test-results/load-results.txt, load-chart.png, load-chart.svg).
 * Passes when every task completes and no critical alert fired (Prometheus'
 * /api/v1/alerts, polled throughout and read at the end). Latency recovery
 * after the spike is reported, not asserted.
 *
 * LOAD_SCALE=ci: a short run (under four minutes); default: the full run.
 * Everything it starts carries GOLDEN_LOAD_RUN=<run id> in its environment
 * (the id scripts/load.sh passes, or one of its own), so the runner can stop
 * what a killed run left.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { stackPaths } from '../../cli/stack/paths.js';
import { pickFreePorts } from '../../cli/stack/ports.js';
import { METRICS } from '../../domain/metric-names.js';
import { WORKER_SCALING } from '../../domain/scaling.js';
import { TASK_QUEUES } from '../../domain/task-queues.js';
import { createDb, type Db } from '../../lib/db.js';
import { connectClient } from '../../lib/temporal-connection.js';
import { signToken } from '../../lib/tokens.js';
import { spawnEntry, waitFor, type Spawned } from '../support/processes.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { renderChart, writeChart } from './chart.js';
import { LoadDriver, type Submitter } from './load-driver.js';
import { arrivals, loadPlan, phaseAt } from './load-plan.js';
import { startPrometheus, type Alert, type Prometheus } from './prometheus.js';
import { formatSummary, formatTable, latencyRecovery } from './report.js';
import { emptyQueues, LATENCY_SOURCES, taskP95, type Sample } from './samples.js';
import { ScalerProcess } from './scaler-process.js';

const plan = loadPlan();
// scripts/load.sh sets it, so it can find what a killed run left.
const runId = process.env.GOLDEN_LOAD_RUN ?? uniqueId('load').toLowerCase();
const config = testConfig({ LOG_LEVEL: 'warn' });
const prefix = config.TEMPORAL_TASK_QUEUE_PREFIX;
const loadSeconds = plan.phases.reduce((sum, p) => sum + p.seconds, 0);
const STARTUP_SECONDS = 150;
const SCRAPE_SECONDS = 5;
// The recording rule the critical completion-rate alert reads (domain/recording-rules.ts).
const RECORDING_RULES_TASK_COMPLETION = METRICS.taskCompletionRate;
// Every process this run starts carries it, scaled workers included (they inherit the scaler's environment).
const runEnv = { GOLDEN_LOAD_RUN: runId, TEMPORAL_TASK_QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
const resultsDir = join(stackPaths().dataDir, 'test-results');

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => console.error(`load test cleanup: ${err.message}`));
});

const alertName = (a: Alert) => `${a.labels.alertname} (${a.labels.severity ?? 'no severity'}, ${a.state})`;

describe(`10x load test (${plan.scale})`, () => {
  it('every task completes through steady load, a 10x spike and back, and no critical alert fires', async () => {
    await requireServices(config);
    const scratch = mkdtempSync(join(tmpdir(), 'golden-load-'));
    cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
    const db: Db = createDb(config);
    cleanups.push(() => db.end());
    const client: Client = await connectClient(config);
    cleanups.push(() => client.connection.close());
    cleanups.push(async () => {
      // The orchestrator workers create the platform's schedules on this run's queues; they go with it.
      for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(prefix)) await client.schedule.getHandle(s.scheduleId).delete();
    });

    const submitters: Submitter[] = [];
    for (let i = 0; i < plan.tenants; i += 1) {
      const tenant = `${runId}-${i}`;
      await db.query('INSERT INTO budget_limits (tenant_id, total_limit) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING', [tenant, 1_000_000_000]);
      const ttl = STARTUP_SECONDS + loadSeconds + plan.drainSeconds + 600;
      submitters.push({ tenant, token: await signToken(config, { sub: `${runId}-developer-${i}`, tenant, role: 'developer' }, ttl) });
    }

    const [apiPort] = await pickFreePorts(1);
    const api: Spawned = spawnEntry('api/server.js', { ...runEnv, API_HOST: '127.0.0.1', API_PORT: String(apiPort) });
    cleanups.push(async () => {
      api.child.kill('SIGTERM');
      await api.exited;
    });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor('the API to answer /healthz', () => fetch(`${apiUrl}/healthz`).then((r) => (r.ok ? true : undefined)), 90_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}\n${api.output().slice(-3000)}`);
    });

    const workerTargetsFile = join(scratch, 'workers.json');
    writeFileSync(workerTargetsFile, '[]\n');
    const prometheus: Prometheus = await startPrometheus({ dir: scratch, apiAddress: `127.0.0.1:${apiPort}`, workerTargetsFile, scrapeSeconds: SCRAPE_SECONDS, env: runEnv });
    cleanups.push(() => prometheus.stop());
    const groups = await prometheus.ruleGroups();
    assert.ok(groups.length > 0, `Prometheus loaded no rule group:\n${prometheus.output()}`);

    const scaler = new ScalerProcess(
      // The sandbox's per-tenant rate limit would turn the spike into durable waits and measure the limiter, not the scaling.
      // A small pool each: tens of worker processes share the stack's Postgres (max_connections 100) with everyone else.
      { ...runEnv, SANDBOX_RATE_LIMIT: '100000/minute', WORKER_SHUTDOWN_GRACE_SECONDS: '10', DATABASE_POOL_SIZE: '4' },
      ['--for', String(STARTUP_SECONDS + loadSeconds + plan.drainSeconds + 60), '--interval', String(plan.scalerIntervalSeconds), '--targets', workerTargetsFile],
    );
    cleanups.push(() => scaler.stop(60_000));

    // Every queue at its minimum, each worker polling, before the clock starts.
    await waitFor(
      'every queue to have its minimum of workers polling',
      async () => {
        if (scaler.exited()) throw new Error(`golden scale exited:\n${scaler.messages()}`);
        const last = scaler.newDecisions().at(-1);
        return last && last.steps.length === TASK_QUEUES.length && last.steps.every((s) => s.pollers >= WORKER_SCALING[s.queue].minReplicas) ? true : undefined;
      },
      STARTUP_SECONDS * 1000,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${scaler.messages().slice(-4000)}`);
    });

    const startedAt = performance.now();
    const elapsed = () => (performance.now() - startedAt) / 1000;
    const driver = new LoadDriver(apiUrl, submitters, client, startedAt);
    cleanups.push(async () => {
      // A task that did not finish would keep its workflow open on queues no worker polls any more.
      for (const t of driver.tasks) if (t.outcome === 'running' && t.workflowId) await client.workflow.getHandle(t.workflowId).terminate('load test over').catch(() => undefined);
    });

    const samples: Sample[] = [];
    const critical = new Set<string>();
    const other = new Set<string>();
    const watchAlerts = async () => {
      for (const a of await prometheus.alerts()) {
        if (a.state === 'firing' && a.labels.severity === 'critical') critical.add(`${alertName(a)}: ${a.annotations.summary ?? ''}`);
        else other.add(alertName(a));
      }
    };
    // What shows that Prometheus really watched the run: the most worker targets it scraped at once.
    let scrapedWorkers = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const decision of scaler.newDecisions()) {
          const t = elapsed();
          const queues = emptyQueues();
          for (const step of decision.steps) queues[step.queue] = { backlog: step.backlog, workers: step.recommended };
          queues.orchestrator.p95 = taskP95(driver.tasks, t);
          for (const q of TASK_QUEUES) {
            const promql = LATENCY_SOURCES[q].promql;
            if (promql) queues[q].p95 = await prometheus.scalar(promql).catch(() => undefined);
          }
          const sent = driver.tasks.length;
          const inFlight = driver.inFlight();
          samples.push({ t, phase: phaseAt(plan.phases, t)?.name ?? 'drain', sent, done: sent - inFlight, inFlight, queues });
        }
        await watchAlerts().catch((err: Error) => other.add(`alerts not read once: ${err.message}`));
        scrapedWorkers = Math.max(scrapedWorkers, (await prometheus.scalar('count(up{job="workers"} == 1)').catch(() => undefined)) ?? 0);
        await sleep(1000);
      }
    })();

    let drained: boolean;
    try {
      for (const arrival of arrivals(plan.phases)) {
        const wait = arrival.at - elapsed();
        if (wait > 0) await sleep(wait * 1000);
        driver.submit(arrival.phase);
      }
      drained = await driver.drained(plan.drainSeconds * 1000);
      // The last counters scraped before the last look at the alerts.
      await sleep(2 * SCRAPE_SECONDS * 1000);
    } finally {
      sampling = false;
      await sampler;
    }
    await watchAlerts();
    const completionRate = await prometheus.scalar(RECORDING_RULES_TASK_COMPLETION);
    const apiScraped = await prometheus.scalar('max_over_time(up{job="api"}[15m])');

    mkdirSync(resultsDir, { recursive: true });
    const pngPath = join(resultsDir, 'load-chart.png');
    let chartError: string | undefined;
    await writeChart(renderChart(samples, plan.phases, `golden load test (${plan.scale}): backlog, workers and p95 per queue`), join(resultsDir, 'load-chart.svg'), pngPath).catch((err: Error) => {
      chartError = err.message;
    });
    const table = formatTable(samples, plan.tableEverySeconds);
    const summary = formatSummary({
      plan,
      tasks: driver.tasks,
      samples,
      recovery: latencyRecovery(driver.tasks, plan),
      criticalAlerts: [...critical],
      otherAlerts: [...other],
      chartPath: chartError ? undefined : pngPath,
      chartError,
      prometheus: `scraped the API${apiScraped === 1 ? '' : ' (never up)'} and up to ${scrapedWorkers} workers at once; ${RECORDING_RULES_TASK_COMPLETION} at the end ${completionRate === undefined ? 'had no value' : completionRate.toFixed(3)}`,
    });
    const resultsPath = join(resultsDir, 'load-results.txt');
    writeFileSync(resultsPath, `${table}\n\n${summary}\n`);
    console.log(`${table}\n\n${summary}\nresults: ${resultsPath}`);

    const notCompleted = driver.tasks.filter((t) => t.outcome !== 'completed');
    assert.ok(drained, `${driver.inFlight()} tasks still unfinished ${plan.drainSeconds}s after the last arrival`);
    assert.equal(notCompleted.length, 0, `tasks not completed:\n${notCompleted.map((t) => `${t.workflowId ?? '(not created)'}: ${t.outcome} ${t.detail ?? ''}`).join('\n')}`);
    assert.deepEqual([...critical], [], 'critical alerts fired');
    // Without these, "no critical alert" would say nothing: Prometheus saw the processes and the rules had data.
    assert.equal(apiScraped, 1, 'Prometheus never scraped the API');
    assert.ok(scrapedWorkers >= TASK_QUEUES.length, `Prometheus scraped at most ${scrapedWorkers} workers at once`);
    assert.notEqual(completionRate, undefined, `the ${RECORDING_RULES_TASK_COMPLETION} recording rule had no value at the end: no process exported ${METRICS.tasksFinished}, so the critical completion-rate alert could not have fired`);
    assert.equal(chartError, undefined, `chart not written: ${chartError}`);
  });
});
