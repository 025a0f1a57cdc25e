/** One scenario's figures, as the table prints them. */
export interface ScenarioRow {
  scenario: string;
  tasks: number;
  completed: number;
  deadLettered: number;
  /** Ended failed, cancelled or discarded. */
  otherEnd: number;
  lost: number;
  doubleCharges: number;
  /** Reservations still held by finished tasks. */
  held: number;
  containersLeft: number;
  /** Problems of the audit trail: chain findings and acknowledged entries missing. */
  auditProblems: number;
  /** Worker processes that died on their own (not killed by the suite). */
  crashes: number;
  /** How long the fault lasted (kills kept coming, the service was down, the endpoint failed). */
  faultMs: number;
  /** From the end of the fault to the first task event after it: the pipeline moving again. */
  recoverMs: number | undefined;
  /** From the end of the fault until every task had ended or was parked. */
  settleMs: number | undefined;
}

const COLUMNS: ReadonlyArray<[string, (r: ScenarioRow) => string]> = [
  ['scenario', (r) => r.scenario],
  ['tasks', (r) => String(r.tasks)],
  ['completed', (r) => String(r.completed)],
  ['dead-lettered', (r) => String(r.deadLettered)],
  ['other end', (r) => String(r.otherEnd)],
  ['lost', (r) => String(r.lost)],
  ['double charges', (r) => String(r.doubleCharges)],
  ['held', (r) => String(r.held)],
  ['containers left', (r) => String(r.containersLeft)],
  ['audit problems', (r) => String(r.auditProblems)],
  ['worker crashes', (r) => String(r.crashes)],
  ['fault', (r) => seconds(r.faultMs)],
  ['time to recover', (r) => seconds(r.recoverMs)],
  ['all settled', (r) => seconds(r.settleMs)],
];

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/** A plain-text table, one line per scenario. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
