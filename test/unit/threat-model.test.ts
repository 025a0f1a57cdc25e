import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../lib/paths.js';

// The security documents name code and tests by path and test name; these checks keep every
// such reference true, so a renamed file or test fails here instead of leaving a stale claim.

const root = projectRoot();
const THREAT_MODEL = 'docs/security/threat-model.md';
const COMPLIANCE = 'docs/security/compliance.md';
const MIN_THREATS = 30;
const STRIDE = new Set(['S', 'T', 'R', 'I', 'D', 'E']);
// Written by `golden stack up` at run time, so not in a fresh checkout.
const RUNTIME_PATHS = /^\.data\//;
// Short names like "mknod" are real case names; below this a match proves nothing.
const MIN_NAME_LENGTH = 5;

interface ThreatRow {
  readonly id: string;
  readonly stride: string;
  readonly threat: string;
  readonly mitigation: string;
  readonly proof: string;
}

interface TestReference {
  readonly file: string;
  readonly name: string;
}

function read(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

function threatRows(markdown: string): ThreatRow[] {
  return markdown
    .split('\n')
    .filter((line) => /^\|\s*T-\d+\s*\|/.test(line))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      assert.equal(cells.length, 6, `threat row needs 6 cells (id, STRIDE, threat, where, mitigation, proof): ${line.slice(0, 80)}`);
      const [id, stride, threat, , mitigation, proof] = cells as [string, string, string, string, string, string];
      return { id, stride, threat, mitigation, proof };
    });
}

/** Backticked repository paths: at least one slash, no spaces (routes like `GET /audit` excluded). */
function pathsIn(text: string): string[] {
  return [...text.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\/?)`/g)].map((m) => m[1] as string).filter((p) => !RUNTIME_PATHS.test(p));
}

/** `test/…ts` followed by one or more "test name" strings. */
function testReferences(text: string): TestReference[] {
  return [...text.matchAll(/`(test\/[^`]+\.test\.ts)`((?:\s*"[^"]+")+)/g)].flatMap((m) =>
    [...(m[2] as string).matchAll(/"([^"]+)"/g)].map((n) => ({ file: m[1] as string, name: n[1] as string })),
  );
}

function brokenReferences(text: string): string[] {
  const problems: string[] = [];
  for (const path of pathsIn(text)) {
    if (!existsSync(join(root, path))) problems.push(`missing path ${path}`);
  }
  for (const { file, name } of testReferences(text)) {
    if (!existsSync(join(root, file))) continue; // already reported as a missing path
    if (name.length < MIN_NAME_LENGTH) problems.push(`${file}: test name too short to prove anything: "${name}"`);
    else if (!read(file).includes(name)) problems.push(`${file}: no test named "${name}"`);
  }
  return problems;
}

describe('security documents stay true to the code', () => {
  const threatModel = read(THREAT_MODEL);
  const rows = threatRows(threatModel);

  it(`lists at least ${MIN_THREATS} threats with unique, well-formed ids and a STRIDE category`, () => {
    assert.ok(rows.length >= MIN_THREATS, `only ${rows.length} threats`);
    const ids = rows.map((r) => r.id);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      'duplicate threat ids',
    );
    for (const row of rows) {
      assert.match(row.id, /^T-\d{2,}$/, `bad id ${row.id}`);
      assert.ok(
        [...row.stride].every((c) => STRIDE.has(c)) && row.stride.length > 0,
        `${row.id}: STRIDE category "${row.stride}" is not made of S, T, R, I, D, E`,
      );
      assert.ok(row.threat.length > 0, `${row.id}: no threat`);
    }
  });

  it('gives every threat a mitigation in code and a test that proves it', () => {
    for (const row of rows) {
      assert.ok(pathsIn(row.mitigation).length > 0, `${row.id}: mitigation names no file`);
      assert.ok(testReferences(row.proof).length > 0, `${row.id}: proof names no test file and test name`);
      const backticked = [...row.proof.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      const referenced = new Set(testReferences(row.proof).map((r) => r.file));
      assert.deepEqual(
        backticked.filter((f) => !referenced.has(f)),
        [],
        `${row.id}: a proof file without a quoted test name`,
      );
    }
  });

  it('names only files that exist and tests that are in their files', () => {
    assert.deepEqual(brokenReferences(threatModel), []);
  });

  it('keeps the compliance mapping pointing at real code and tests', () => {
    const compliance = read(COMPLIANCE);
    assert.ok(testReferences(compliance).length > 0, 'the compliance mapping names no test');
    assert.deepEqual(brokenReferences(compliance), []);
  });

  it('finds a renamed test and a missing file', () => {
    assert.deepEqual(brokenReferences('`test/unit/roles.test.ts` "keeps observers read-only"'), []);
    assert.deepEqual(brokenReferences('`test/unit/roles.test.ts` "keeps observers all-powerful"'), [
      'test/unit/roles.test.ts: no test named "keeps observers all-powerful"',
    ]);
    assert.deepEqual(brokenReferences('`lib/no-such-file.ts`'), ['missing path lib/no-such-file.ts']);
    assert.deepEqual(brokenReferences('`.data/stack.env`'), []);
  });
});
