/**
 * What every client was told, answer by answer, as Jepsen keeps a history:
 * the ledger is later checked against it (ledger-check.ts), and it is checked
 * against itself here (no key granted fresh twice, no answer that disagrees
 * with another answer for the same key).
 */

export type ReserveKind = 'granted' | 'denied' | 'conflict';
export type CommitKind = 'committed' | 'over_limit' | 'conflict' | 'not_found';

export interface ReserveAnswer {
  tenant: string;
  amount: number;
  kind: ReserveKind;
  replayed: boolean;
  answeredAmount: number;
  /** Sent on purpose with other parameters after the key was granted: must be a conflict. */
  probe: boolean;
}

export interface CommitAnswer {
  tokens: number;
  kind: CommitKind;
  replayed: boolean;
  answeredTokens: number;
  probe: boolean;
}

export interface ReleaseAnswer {
  released: number;
  state: string | null;
}

export interface KeyRecord<A> {
  tenant: string;
  answers: A[];
}

export class Tally {
  requests = 0;
  granted = 0;
  denied = 0;
  replayed = 0;
  conflicts = 0;
  retried = 0;
  /** Calls whose Redis step failed, answered by the ledger alone. */
  redisFallbacks = 0;
  readonly errorKinds = new Map<string, number>();
  readonly keys = new Set<string>();

  retry(err: unknown): void {
    this.retried += 1;
    const e = err as { code?: unknown; name?: string; message?: string };
    const kind = typeof e?.code === 'string' ? e.code : e?.name && e.name !== 'Error' ? e.name : String(e?.message ?? err).slice(0, 48);
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }
}

export function commitKey(requestId: string, attempt: number): string {
  return `${requestId}#${attempt}`;
}

export class History {
  readonly tally = new Tally();
  readonly tenants = new Set<string>();
  readonly reserves = new Map<string, KeyRecord<ReserveAnswer>>();
  readonly commits = new Map<string, KeyRecord<CommitAnswer> & { requestId: string; attempt: number }>();
  readonly releases = new Map<string, ReleaseAnswer[]>();
  /** Violations seen while running (a wrong answer to a probe, a refused commit within its hold…). */
  readonly violations: string[] = [];
  /** Calls that never got an answer within the deadline: their effect is unknown. */
  readonly unresolved: string[] = [];
  clients = 0;
  startedAt = Date.now();
  finishedAt = 0;

  constructor(readonly scenario: string) {}

  recordReserve(requestId: string, answer: ReserveAnswer): void {
    this.tally.keys.add(`r:${requestId}`);
    const rec = this.reserves.get(requestId) ?? { tenant: answer.tenant, answers: [] };
    rec.answers.push(answer);
    this.reserves.set(requestId, rec);
    if (answer.kind === 'conflict') this.tally.conflicts += 1;
    else if (answer.replayed) this.tally.replayed += 1;
    else if (answer.kind === 'granted') this.tally.granted += 1;
    else this.tally.denied += 1;
  }

  recordCommit(requestId: string, attempt: number, tenant: string, answer: CommitAnswer): void {
    const key = commitKey(requestId, attempt);
    this.tally.keys.add(`c:${key}`);
    const rec = this.commits.get(key) ?? { tenant, requestId, attempt, answers: [] };
    rec.answers.push(answer);
    this.commits.set(key, rec);
    if (answer.kind === 'conflict') this.tally.conflicts += 1;
    else if (answer.kind === 'not_found') this.violations.push(`commit ${key}: reservation not found, though it was granted`);
    else if (answer.replayed) this.tally.replayed += 1;
    else if (answer.kind === 'committed') this.tally.granted += 1;
    else this.tally.denied += 1;
  }

  recordRelease(requestId: string, answer: ReleaseAnswer): void {
    const list = this.releases.get(requestId) ?? [];
    list.push(answer);
    this.releases.set(requestId, list);
  }

  /** The granted answer for a request id (all granted answers agree, or checkSelf reports it). */
  grantOf(requestId: string): ReserveAnswer | undefined {
    return this.reserves.get(requestId)?.answers.find((a) => a.kind === 'granted');
  }

  /** Tokens clients were told were committed for this (request, attempt), if any. */
  committedTokens(key: string): number | undefined {
    return this.commits.get(key)?.answers.find((a) => a.kind === 'committed')?.answeredTokens;
  }

  /** Checks of the history alone: nothing charged twice, all answers for a key agree, probes refused. */
  checkSelf(): string[] {
    const out: string[] = [];
    for (const [rid, rec] of this.reserves) {
      const granted = rec.answers.filter((a) => a.kind === 'granted');
      const fresh = granted.filter((a) => !a.replayed).length;
      if (fresh > 1) out.push(`reserve ${rid}: granted fresh ${fresh} times (charged more than once)`);
      for (const a of granted) {
        if (a.answeredAmount !== a.amount || a.tenant !== granted[0]!.tenant || a.amount !== granted[0]!.amount) {
          out.push(`reserve ${rid}: granted ${a.tenant}/${a.amount} (answered ${a.answeredAmount}) but also ${granted[0]!.tenant}/${granted[0]!.amount}`);
        }
      }
      for (const a of rec.answers.filter((x) => x.probe && x.kind !== 'conflict')) {
        out.push(`reserve ${rid}: reused with other parameters (${a.tenant}/${a.amount}) was answered ${a.kind}, not IdempotencyConflictError`);
      }
    }
    for (const [key, rec] of this.commits) {
      const committed = rec.answers.filter((a) => a.kind === 'committed');
      const fresh = committed.filter((a) => !a.replayed).length;
      if (fresh > 1) out.push(`commit ${key}: committed fresh ${fresh} times (charged more than once)`);
      for (const a of committed) {
        if (a.answeredTokens !== a.tokens || a.tokens !== committed[0]!.tokens) {
          out.push(`commit ${key}: committed ${a.tokens} (answered ${a.answeredTokens}) but also ${committed[0]!.tokens}`);
        }
      }
      for (const a of rec.answers.filter((x) => x.probe && x.kind !== 'conflict')) {
        out.push(`commit ${key}: reused with other tokens (${a.tokens}) was answered ${a.kind}, not IdempotencyConflictError`);
      }
    }
    return [...this.violations, ...out, ...this.unresolved.map((u) => `unresolved: ${u}`)];
  }

  summary(): SummaryRow {
    const t = this.tally;
    return {
      scenario: this.scenario,
      clients: this.clients,
      requests: t.requests,
      keys: t.keys.size,
      granted: t.granted,
      denied: t.denied,
      replayed: t.replayed,
      conflicts: t.conflicts,
      retried: t.retried,
      seconds: ((this.finishedAt || Date.now()) - this.startedAt) / 1000,
    };
  }
}

export interface SummaryRow {
  scenario: string;
  clients: number;
  requests: number;
  keys: number;
  granted: number;
  denied: number;
  replayed: number;
  conflicts: number;
  retried: number;
  seconds: number;
}

export function formatSummary(rows: SummaryRow[]): string[] {
  const header = ['scenario', 'clients', 'requests sent', 'distinct keys', 'granted', 'denied', 'replayed', 'conflicts', 'errors retried', 'duration'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.clients),
    String(r.requests),
    String(r.keys),
    String(r.granted),
    String(r.denied),
    String(r.replayed),
    String(r.conflicts),
    String(r.retried),
    `${r.seconds.toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}
