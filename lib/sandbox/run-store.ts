import type { SandboxExecution } from '../../domain/sandbox.js';
import type { TestReport } from '../../domain/sandbox-test-report.js';
import type { Db } from '../db.js';

/** Stores each execution with its full (capped) output; workflows keep only the run id. */
export async function saveSandboxRun(db: Db, tenantId: string, run: SandboxExecution, tests: TestReport): Promise<void> {
  const f = run.flags;
  await db.query(
    `INSERT INTO sandbox_runs (run_id, tenant_id, language, runtime, warm, exit_code, tests_passed, tests_failed, tests_found,
       timed_out, oom_killed, output_truncated, cancelled, duration_ms, stdout, stderr)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (run_id) DO UPDATE SET
       runtime = EXCLUDED.runtime, warm = EXCLUDED.warm, exit_code = EXCLUDED.exit_code,
       tests_passed = EXCLUDED.tests_passed, tests_failed = EXCLUDED.tests_failed, tests_found = EXCLUDED.tests_found,
       timed_out = EXCLUDED.timed_out, oom_killed = EXCLUDED.oom_killed, output_truncated = EXCLUDED.output_truncated,
       cancelled = EXCLUDED.cancelled, duration_ms = EXCLUDED.duration_ms, stdout = EXCLUDED.stdout, stderr = EXCLUDED.stderr,
       attempts = sandbox_runs.attempts + 1, updated_at = now()
     WHERE sandbox_runs.tenant_id = EXCLUDED.tenant_id`,
    [
      run.runId,
      tenantId,
      run.language,
      run.runtime,
      run.warm,
      run.exitCode,
      tests.passed,
      tests.failed + tests.errors,
      tests.found,
      f.timedOut,
      f.oomKilled,
      f.stdoutTruncated || f.stderrTruncated || f.outputFlood,
      f.cancelled,
      run.durationMs,
      // Postgres text cannot hold NUL bytes; untrusted output may contain them.
      run.stdout.replaceAll('\0', '\uFFFD'),
      run.stderr.replaceAll('\0', '\uFFFD'),
    ],
  );
}

export interface StoredSandboxRun {
  runId: string;
  tenantId: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  runtime: string;
  attempts: number;
}

/** A stored run of this tenant only (a run id of another tenant reads as absent). */
export async function loadSandboxRun(db: Db, tenantId: string, runId: string): Promise<StoredSandboxRun | undefined> {
  const { rows } = await db.query<StoredSandboxRun>(
    `SELECT run_id AS "runId", tenant_id AS "tenantId", stdout, stderr, exit_code AS "exitCode", runtime, attempts
       FROM sandbox_runs WHERE run_id = $1 AND tenant_id = $2`,
    [runId, tenantId],
  );
  return rows[0];
}
