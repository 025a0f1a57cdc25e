import { createHash } from 'node:crypto';
import type pg from 'pg';

/** The hash before the first entry. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/** One entry as the chain sees it: `atMicros` and `detailText` come from Postgres as text, so no re-serialization can differ. */
export interface ChainedEntry {
  id: string;
  seq: string;
  atMicros: string;
  tenantId: string | null;
  actor: string | null;
  role: string | null;
  action: string;
  resource: string | null;
  outcome: string;
  requestId: string | null;
  sourceAddress: string | null;
  detailText: string;
  prevHash: Buffer;
  hash: Buffer;
}

const field = (value: string | null) => (value === null ? '~' : Buffer.from(value, 'utf8').toString('hex'));

/** The same bytes as migrations/005_audit_chain.sql's audit_entry_hash: SHA-256(prev || canonical form). */
export function entryHash(prev: Buffer, e: Omit<ChainedEntry, 'id' | 'prevHash' | 'hash'>): Buffer {
  const canonical = [
    e.seq,
    e.atMicros,
    field(e.tenantId),
    field(e.actor),
    field(e.role),
    field(e.action),
    field(e.resource),
    field(e.outcome),
    field(e.requestId),
    field(e.sourceAddress),
    field(e.detailText),
  ].join('|');
  return createHash('sha256').update(prev).update(canonical, 'utf8').digest();
}

export interface ChainReport {
  entries: number;
  headSeq: number;
  headHash: string;
  /** Empty when the chain is intact; otherwise one line per finding, oldest first. */
  problems: string[];
}

const BATCH = 5_000;
const MAX_PROBLEMS = 100;

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.Client, 'query'>;

/**
 * Walks the whole audit chain in sequence order, recomputing every hash here
 * (not with the database's function, which whoever tampers could replace):
 * an edited entry no longer matches its hash, a deleted one leaves a gap and
 * a broken link, and a cut-off tail no longer reaches the recorded head.
 */
export async function verifyAuditChain(db: Queryable): Promise<ChainReport> {
  const problems: string[] = [];
  const problem = (line: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(line);
  };
  const headRows = await db.query<{ seq: string; hash: Buffer }>('SELECT seq::text AS seq, hash FROM audit_chain_head');
  const head = headRows.rows[0];
  if (!head) return { entries: 0, headSeq: 0, headHash: '', problems: ['audit_chain_head is empty: the chain has no recorded head'] };

  let expectedSeq = 1n;
  let prev = GENESIS_HASH;
  let entries = 0;
  let after = 0n;
  for (;;) {
    const { rows } = await db.query<ChainedEntry>(
      `SELECT id::text AS id, chain_seq::text AS seq, ((extract(epoch FROM at) * 1000000)::bigint)::text AS "atMicros",
              tenant_id AS "tenantId", actor, role, action, resource, outcome, request_id AS "requestId",
              source_address AS "sourceAddress", detail::text AS "detailText", prev_hash AS "prevHash", hash
         FROM audit_log WHERE chain_seq > $1 ORDER BY chain_seq LIMIT $2`,
      [after.toString(), BATCH],
    );
    for (const e of rows) {
      const seq = BigInt(e.seq);
      if (seq !== expectedSeq) problem(`entries ${expectedSeq}..${seq - 1n} are missing (deleted?) before entry ${seq} (id ${e.id})`);
      if (!e.prevHash.equals(prev)) problem(`entry ${seq} (id ${e.id}) does not link to the entry before it: the chain is broken there`);
      if (!entryHash(e.prevHash, e).equals(e.hash)) problem(`entry ${seq} (id ${e.id}) was altered: its content no longer matches its hash`);
      prev = e.hash;
      expectedSeq = seq + 1n;
      entries += 1;
      after = seq;
    }
    if (rows.length < BATCH) break;
  }
  const headSeq = BigInt(head.seq);
  if (headSeq !== expectedSeq - 1n) {
    problem(headSeq > expectedSeq - 1n ? `entries ${expectedSeq}..${headSeq} are missing: the head records ${headSeq}, the last entry is ${expectedSeq - 1n}` : `the head records ${headSeq} but entries go on to ${expectedSeq - 1n}`);
  } else if (!head.hash.equals(prev)) {
    problem(`the newest entry ${headSeq} is not the one the head recorded`);
  }
  return { entries, headSeq: Number(headSeq), headHash: head.hash.toString('hex'), problems };
}
