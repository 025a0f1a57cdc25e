import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { failureReasonOf, SandboxRunRequest, type SandboxExecution, type SandboxFlags, type SandboxRuntime } from '../domain/sandbox.js';
import { parseTestReport, type TestReport } from '../domain/sandbox-test-report.js';
import { describeZodError } from '../domain/validation.js';
import type { Db } from '../lib/db.js';
import type { Metrics } from '../lib/metrics.js';
import { SandboxContainmentError, SandboxInfraError } from '../lib/sandbox/errors.js';
import type { SandboxExecutor } from '../lib/sandbox/executor.js';
import type { SandboxRateLimiter } from '../lib/sandbox/rate-limiter.js';
import { saveSandboxRun } from '../lib/sandbox/run-store.js';
import { SandboxRuntimeUnavailableError } from '../lib/sandbox/runtime.js';
import type { WarmPool } from '../lib/sandbox/warm-pool.js';
import { withHeartbeats } from './heartbeat.js';

export interface SandboxServices {
  executor: SandboxExecutor;
  limiter: SandboxRateLimiter;
  /** Absent when SANDBOX_WARM_POOL_SIZE is 0. */
  pool?: WarmPool;
}

export interface SandboxActivityDeps {
  db: Db;
  metrics: Metrics;
  sandbox: SandboxServices;
}

/** Characters of each stream carried in the result; the whole output stays in `sandbox_runs`. */
const PREVIEW_CHARS = 2_000;

export interface SandboxRunCompleted {
  status: 'completed';
  runId: string;
  runtime: SandboxRuntime;
  warm: boolean;
  exitCode: number;
  /** The code's tests passed: exit 0, a test summary found, nothing failed, no limit hit. */
  passed: boolean;
  tests: TestReport;
  durationMs: number;
  flags: SandboxFlags;
  /** The full output: `SELECT stdout, stderr FROM sandbox_runs WHERE run_id = …`. */
  outputRef: { table: 'sandbox_runs'; runId: string };
  stdoutPreview: string;
  stderrPreview: string;
}

/** Over the tenant's SANDBOX_RATE_LIMIT: not an error, the caller sleeps this long and asks again. */
export interface SandboxRunRateLimited {
  status: 'rate-limited';
  waitMs: number;
}

export type SandboxRunResult = SandboxRunCompleted | SandboxRunRateLimited;

function preview(text: string): string {
  return text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS)}\n… (${text.length - PREVIEW_CHARS} more characters in sandbox_runs)`;
}

function summarize(run: SandboxExecution, tests: TestReport): SandboxRunCompleted {
  const limitHit = run.flags.timedOut || run.flags.oomKilled || run.flags.outputFlood || run.flags.cancelled;
  return {
    status: 'completed',
    runId: run.runId,
    runtime: run.runtime,
    warm: run.warm,
    exitCode: run.exitCode,
    passed: run.exitCode === 0 && tests.found && tests.failed === 0 && tests.errors === 0 && !limitHit,
    tests,
    durationMs: run.durationMs,
    flags: run.flags,
    outputRef: { table: 'sandbox_runs', runId: run.runId },
    stdoutPreview: preview(run.stdout),
    stderrPreview: preview(run.stderr),
  };
}

/** A request as the sandbox accepts it, or a non-retryable InvalidInputError naming what is wrong. */
export function parseSandboxRequest(input: unknown): SandboxRunRequest {
  const parsed = SandboxRunRequest.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid sandbox request: ${describeZodError(parsed.error)}`, 'InvalidInputError');
  return parsed.data;
}

/**
 * One sandbox run inside an activity: the tenant's rate limit, the run with
 * heartbeats (cancelling the activity kills the container), its metrics, and
 * its record in `sandbox_runs`. Every activity that runs code goes through it.
 */
export function createSandboxRunner({ db, metrics, sandbox }: SandboxActivityDeps) {
  const record = (run: SandboxExecution) => {
    metrics.sandboxExecutionSeconds.observe({ language: run.language, runtime: run.runtime, warm: String(run.warm) }, run.durationMs / 1000);
    if (run.flags.timedOut) metrics.sandboxTimeouts.inc({ language: run.language, runtime: run.runtime });
    const reason = failureReasonOf(run.flags);
    if (reason) metrics.sandboxExecutionFailures.inc({ reason, runtime: run.runtime });
  };

  return async function runInSandbox(request: SandboxRunRequest): Promise<SandboxRunResult> {
    const admission = await sandbox.limiter.admit(request.tenantId, request.runId);
    if (!admission.admitted) {
      metrics.sandboxRateLimited.inc();
      return { status: 'rate-limited', waitMs: admission.waitMs };
    }

    const ctx = Context.current();
    const abort = new AbortController();
    const onCancel = () => abort.abort();
    ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    let run: SandboxExecution;
    try {
      run = await withHeartbeats(async () => {
        const warm = await sandbox.pool?.run(request, { signal: abort.signal });
        return warm ?? (await sandbox.executor.run(request, { signal: abort.signal }));
      }, { runId: request.runId });
    } catch (err) {
      const runtime = (await sandbox.executor.resolveRuntime().catch(() => 'runc')) as SandboxRuntime;
      if (err instanceof SandboxContainmentError) {
        metrics.sandboxExecutionFailures.inc({ reason: 'escape', runtime });
        // Never retried: a container that was not contained must be looked at by a person.
        throw ApplicationFailure.nonRetryable(err.message, err.name);
      }
      if (err instanceof SandboxInfraError || err instanceof SandboxRuntimeUnavailableError) {
        metrics.sandboxExecutionFailures.inc({ reason: 'infra', runtime });
      }
      throw err;
    } finally {
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
    }

    record(run);
    const tests = parseTestReport(request.language, run.stdout);
    await saveSandboxRun(db, request.tenantId, run, tests);
    if (run.flags.cancelled) throw new CancelledFailure(`sandbox run ${request.runId} was cancelled; its container was killed`);
    return summarize(run, tests);
  };
}

export function createSandboxActivities(deps: SandboxActivityDeps) {
  const runInSandbox = createSandboxRunner(deps);
  return {
    /**
     * Runs agent-written code and its tests in a hardened container (queue:
     * sandbox). Heartbeats while it runs; cancelling the activity kills the
     * container. Over the tenant's rate limit it returns the wait instead of
     * failing, so waiting never spends a retry attempt.
     */
    async runSandbox(input: SandboxRunRequest): Promise<SandboxRunResult> {
      return runInSandbox(parseSandboxRequest(input));
    },
  };
}
