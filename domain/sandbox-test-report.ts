import type { SandboxLanguage } from './sandbox.js';

/** Test counts read from a runner's own summary; `found` is false when no summary was printed (a crash, a timeout). */
export interface TestReport {
  framework: 'pytest' | 'node-test';
  found: boolean;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

const empty = (framework: TestReport['framework']): TestReport => ({ framework, found: false, passed: 0, failed: 0, errors: 0, skipped: 0 });

/**
 * pytest's closing line: "2 passed, 1 failed, 1 error in 0.12s", "no tests
 * ran in 0.01s", with or without the ===== frame. The last such line wins:
 * the code under test may print look-alike lines before it.
 */
export function parsePytestSummary(output: string): TestReport {
  const lines = output.split('\n').map((l) => l.trim().replace(/^=+\s*|\s*=+$/g, ''));
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i] ?? '';
    if (!/ in [\d.]+s( \([^)]*\))?$/.test(line)) continue;
    if (/^no tests ran\b/.test(line)) return { ...empty('pytest'), found: true };
    const counts = [...line.matchAll(/(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)\b/g)];
    if (counts.length === 0) continue;
    const report = { ...empty('pytest'), found: true };
    for (const [, n, kind] of counts) {
      const value = Number(n);
      if (kind === 'passed' || kind === 'xpassed') report.passed += value;
      else if (kind === 'failed') report.failed += value;
      else if (kind === 'error' || kind === 'errors') report.errors += value;
      else if (kind === 'skipped' || kind === 'xfailed') report.skipped += value;
    }
    return report;
  }
  return empty('pytest');
}

/**
 * node --test's totals, as TAP ("# pass 2") or the spec reporter ("ℹ pass 2").
 * Each total is taken from its last occurrence, for the same reason as above.
 */
export function parseNodeTestSummary(output: string): TestReport {
  const totals = new Map<string, number>();
  for (const [, key, n] of output.matchAll(/^\s*(?:#|ℹ)\s*(tests|pass|fail|cancelled|skipped|todo)\s+(\d+)\s*$/gm)) {
    totals.set(key as string, Number(n));
  }
  if (!totals.has('pass') || !totals.has('fail')) return empty('node-test');
  return {
    framework: 'node-test',
    found: true,
    passed: totals.get('pass') ?? 0,
    failed: totals.get('fail') ?? 0,
    errors: totals.get('cancelled') ?? 0,
    skipped: (totals.get('skipped') ?? 0) + (totals.get('todo') ?? 0),
  };
}

export function parseTestReport(language: SandboxLanguage, stdout: string): TestReport {
  return language === 'python' ? parsePytestSummary(stdout) : parseNodeTestSummary(stdout);
}
