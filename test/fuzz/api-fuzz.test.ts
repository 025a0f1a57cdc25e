import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../lib/paths.js';
import { requireServices, testConfig } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';
import { createLoggedApi, type LoggedApi } from './logged-api.js';

/**
 * Schemathesis (from PyPI, in a venv cached outside the clone) generates
 * requests from /openapi.json against the real API with a valid admin token
 * and test-only high rate limits, with the workers that serve tasks and
 * prompt decisions running. Passes when at least `minReached` requests reach
 * the handlers (not 401/429), none answers 5xx, and every answer conforms to
 * the document.
 *
 * FUZZ_SCALE=ci: deterministic generation (schemathesis then uses no seed
 * and no example database) with a bounded number of examples per operation,
 * so every CI run sends the same requests. Default: a fresh seed (printed, for
 * replay with FUZZ_SEED) and ~5 minutes of generation. The API's log, schemathesis's report and the counts stay in
 * .data/test-results/fuzz/ for whoever reads a failure.
 */
const CI = process.env.FUZZ_SCALE === 'ci';
const SCALE = CI ? { maxExamples: 50, minReached: 1000 } : { maxSeconds: 300, minReached: 3000 };
const SEED = CI ? 'none, deterministic' : (process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));
const run = promisify(execFile);
// Proposals made by the fuzzer expire within the run, so none is left waiting afterwards.
const config = testConfig({ API_RATE_LIMIT_SCALE: '1000', PROMPT_RECHECK_SECONDS: '1', PROMPT_APPROVAL_TTL_SECONDS: '60' });
const reportDir = join(projectRoot(), '.data/test-results/fuzz');

let api: LoggedApi;
let workers: TestWorkers;
let url: string;

interface Interaction {
  request?: { method?: string; uri?: string };
  response?: { status_code?: number };
}

/** Every request schemathesis sent and the status it got, from its NDJSON report. */
function interactions(dir: string): Interaction[] {
  const found: Interaction[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ndjson'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { ScenarioFinished?: { recorder?: { interactions?: Record<string, Interaction> } } };
      found.push(...Object.values(event.ScenarioFinished?.recorder?.interactions ?? {}));
    }
  }
  return found;
}

/** Answers counted by status, in status order: "200×12 400×301 …". */
function histogram(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
}

describe(`API fuzzing with schemathesis (${CI ? 'ci' : 'full'} scale, seed ${SEED})`, () => {
  before(async () => {
    rmSync(reportDir, { recursive: true, force: true });
    mkdirSync(reportDir, { recursive: true });
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    workers = await createTestWorkers(config, ['orchestrator', 'supervisor', 'peer-hub']);
    api = await createLoggedApi(config, join(reportDir, 'api.log'));
    url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await api?.close();
    await workers?.close();
    // Fuzzed proposals may have changed agent prompts: put every role back on its seeded version.
    if (workers) await workers.db.query('UPDATE agent_prompt_in_use SET version = 1, since = now()').catch(() => undefined);
  });

  it('reaches the handlers with generated requests: no 5xx, every answer as documented', { timeout: 840_000 }, async () => {
    const { stdout: bin } = await run('bash', [join(projectRoot(), 'scripts/schemathesis.sh')], { timeout: 300_000 });
    const token = await api.token('admin', 'fuzz', 'fuzzer');
    const args = [
      'run', `${url}/openapi.json`,
      '--header', `Authorization: Bearer ${token}`,
      '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--phases', 'examples,coverage,fuzzing',
      // Examples found in earlier runs would make a run depend on what ran before it (deterministic mode keeps none).
      ...(CI ? ['--generation-deterministic', '--max-examples', String(SCALE.maxExamples)] : ['--seed', SEED, '--generation-database', 'none', '--max-time', String(SCALE.maxSeconds)]),
      // One worker: with two threads, Python's parser (hypothesis reads lambda sources) can fail with
      // "AST constructor recursion depth mismatch", an error of the tool that failed a run at random.
      '--workers', '1',
      '--request-timeout', '30',
      '--report', 'ndjson',
      '--report-dir', reportDir,
    ];
    const started = performance.now();
    const result = await run(bin.trim(), args, { cwd: reportDir, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    const seconds = Math.round((performance.now() - started) / 1000);
    writeFileSync(join(reportDir, 'schemathesis.out'), result.out);
    const sent = interactions(reportDir);
    const statuses = sent.map((i) => i.response?.status_code ?? 0);
    const reached = statuses.filter((s) => s !== 0 && s !== 401 && s !== 429).length;
    const serverErrors = sent.filter((i) => (i.response?.status_code ?? 0) >= 500);
    const summary = `schemathesis (seed ${SEED}, ${seconds} s): ${sent.length} requests, ${reached} reached the handlers; by status: ${histogram(statuses)}`;
    writeFileSync(join(reportDir, 'counts.txt'), `${summary}\n`);
    console.log(summary);
    assert.deepEqual(serverErrors.map((i) => `${i.request?.method} ${i.request?.uri} → ${i.response?.status_code}`), [], `no 5xx (API log: ${join(reportDir, 'api.log')})`);
    assert.equal(result.code, 0, `schemathesis found failures:\n${result.out.slice(-6000)}`);
    assert.ok(reached >= SCALE.minReached, `only ${reached} requests reached the handlers (want ≥ ${SCALE.minReached})`);
  });
});
