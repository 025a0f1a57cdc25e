import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../lib/db.js';
import { spawnEntry } from '../support/processes.js';
import { PHASE_MARKER, release, reserve, type Client, type KillOrder, type Ops } from './clients.js';

export interface KillResult {
  op: KillOrder['op'];
  phase: KillOrder['phase'];
  requestId: string;
  /** How long the parent's retries took: at `locked` they wait for the dead child's in-flight marker to lapse. */
  retryMs: number;
}

async function tenantCounters(db: Db, tenant: string): Promise<{ reserved: number; committed: number }> {
  const { rows } = await db.query<{ reserved: string; committed: string }>('SELECT reserved, committed FROM budget_limits WHERE tenant_id = $1', [tenant]);
  return { reserved: Number(rows[0]?.reserved ?? -1), committed: Number(rows[0]?.committed ?? -1) };
}

/** Spawns kill-client.js and SIGKILLs it once it reports the phase; resolves when it is dead. */
async function killAtPhase(order: KillOrder): Promise<string | undefined> {
  const child = spawnEntry('test/jepsen/kill-client.js', {}, [JSON.stringify(order)]);
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  while (!child.output().includes(PHASE_MARKER)) {
    if (exited || Date.now() > deadline) {
      child.child.kill('SIGKILL');
      await child.exited;
      return `the child never reached phase ${order.phase}: ${child.output().slice(-500)}`;
    }
    await sleep(10);
  }
  child.child.kill('SIGKILL');
  const { signal } = await child.exited;
  return signal === 'SIGKILL' ? undefined : `the child ended by ${signal ?? 'exit'}, not SIGKILL: ${child.output().slice(-500)}`;
}

/**
 * One kill: a child process runs the call and dies at the phase; the parent
 * then retries the same request id (a storm of copies from several clients)
 * and the tenant must have been charged exactly once. At `ledger-done`
 * Postgres already holds the charge, so every retry must be a replay.
 */
export async function killRound(
  ops: Ops,
  clients: Client[],
  db: Db,
  args: { op: KillOrder['op']; phase: KillOrder['phase']; requestId: string; tenant: string; inflightMs: number },
): Promise<KillResult> {
  const { op, phase, requestId, tenant } = args;
  const violation = (msg: string) => ops.history.violations.push(`${requestId} (${op} killed at ${phase}): ${msg}`);
  const amount = 300;
  const tokens = 120;
  const order: KillOrder = { op, phase, requestId, tenantId: tenant, amount, attempt: 1, tokens, inflightMs: args.inflightMs };

  ops.history.tally.requests += 1;
  const killProblem = await killAtPhase(order);
  if (killProblem) violation(killProblem);

  const started = Date.now();
  const copies = clients.slice(0, 5);
  const answers = await Promise.all(
    copies.map((c) => reserve(ops, c, { requestId, tenant, amount }).then((a) => a && { ok: a.kind === 'granted', replayed: a.replayed, kind: a.kind })),
  );
  const retryMs = Date.now() - started;
  const fresh = answers.filter((a) => a?.ok && !a.replayed).length;
  for (const a of answers) if (a && !a.ok) violation(`a retry was answered ${a.kind}`);
  const expectedFresh = phase === 'locked' ? 1 : 0;
  if (fresh !== expectedFresh) {
    violation(`${fresh} of ${answers.length} retries were answered fresh, expected ${expectedFresh} (${phase === 'locked' ? 'the ledger was untouched' : 'Postgres had committed: every retry must replay'})`);
  }

  const counters = await tenantCounters(db, tenant);
  const want = { reserved: amount, committed: 0 };
  if (counters.reserved !== want.reserved || counters.committed !== want.committed) {
    violation(`tenant ${tenant} shows reserved ${counters.reserved}, committed ${counters.committed}; charged once would be ${want.reserved}, ${want.committed}`);
  }
  const released = await release(ops, clients[0]!, requestId);
  if (released && released.released !== want.reserved) violation(`release gave back ${released.released}, expected ${want.reserved}`);
  return { op, phase, requestId, retryMs };
}
