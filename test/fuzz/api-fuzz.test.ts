import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../lib/paths.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

/**
 * Schemathesis (from PyPI, in a venv cached outside the clone) generates
 * requests from /openapi.json against the real API with a valid admin token
 * and test-only high rate limits, with workers running so decisions reach
 * their workflows. Passes when at least MIN_REACHED requests reach the
 * handlers (not 401/429), none answers 5xx, and every answer conforms to the
 * document.
 *
 * FUZZ_SCALE=ci: ~90 s of generation; default: ~5 min.
 */
const SCALE = process.env.FUZZ_SCALE === 'ci' ? { maxSeconds: 90, minReached: 1000 } : { maxSeconds: 300, minReached: 3000 };
const run = promisify(execFile);
// Proposals made by the fuzzer expire within the run, so none is left waiting afterwards.
const config = testConfig({ API_RATE_LIMIT_SCALE: '1000', PROMPT_RECHECK_SECONDS: '1', PROMPT_APPROVAL_TTL_SECONDS: '60' });

let api: TestApi;
let workers: TestWorkers;
let url: string;
let reportDir: string;

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

describe(`API fuzzing with schemathesis (${process.env.FUZZ_SCALE === 'ci' ? 'ci' : 'full'} scale)`, () => {
  before(async () => {
    await requireServices(config, ['temporal', 'postgres', 'redis']);
    workers = await createTestWorkers(config, ['orchestrator', 'supervisor', 'peer-hub']);
    api = await createTestApi(config);
    url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    reportDir = mkdtempSync(join(tmpdir(), 'golden-fuzz-'));
  });
  after(async () => {
    await api?.close();
    await workers?.close();
    // Fuzzed proposals may have changed agent prompts: put every role back on its seeded version.
    if (workers) await workers.db.query('UPDATE agent_prompt_in_use SET version = 1, since = now()').catch(() => undefined);
    if (reportDir) rmSync(reportDir, { recursive: true, force: true });
  });

  it('reaches the handlers with generated requests: no 5xx, every answer as documented', { timeout: (SCALE.maxSeconds + 240) * 1000 }, async () => {
    const { stdout: bin } = await run('bash', [join(projectRoot(), 'scripts/schemathesis.sh')], { timeout: 300_000 });
    const token = await api.token('admin', 'fuzz', 'fuzzer');
    const args = [
      'run', `${url}/openapi.json`,
      '--header', `Authorization: Bearer ${token}`,
      '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--phases', 'examples,coverage,fuzzing',
      '--max-time', String(SCALE.maxSeconds),
      '--workers', '2',
      '--request-timeout', '30',
      '--report', 'ndjson',
      '--report-dir', reportDir,
    ];
    // In the report dir: schemathesis keeps its example database in the working directory.
    const result = await run(bin.trim(), args, { cwd: reportDir, timeout: (SCALE.maxSeconds + 180) * 1000, maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    const sent = interactions(reportDir);
    const statuses = sent.map((i) => i.response?.status_code ?? 0);
    const reached = statuses.filter((s) => s !== 0 && s !== 401 && s !== 429).length;
    const serverErrors = sent.filter((i) => (i.response?.status_code ?? 0) >= 500);
    const byStatus = Object.entries(statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {})).sort();
    console.log(`schemathesis: ${sent.length} requests, ${reached} reached the handlers; by status: ${byStatus.map(([s, n]) => `${s}×${n}`).join(' ')}`);
    assert.deepEqual(serverErrors.map((i) => `${i.request?.method} ${i.request?.uri} → ${i.response?.status_code}`), [], 'no 5xx');
    assert.equal(result.code, 0, `schemathesis found failures:\n${result.out.slice(-6000)}`);
    assert.ok(reached >= SCALE.minReached, `only ${reached} requests reached the handlers (want ≥ ${SCALE.minReached})`);
  });
});
