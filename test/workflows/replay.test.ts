import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import proto from '@temporalio/proto';
const { temporal } = proto;
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { parsePayloadKeys, payloadDataConverter } from '../../lib/payload-codec.js';
import { distDir, projectRoot } from '../../lib/paths.js';
import { workflowSource } from '../../workers/workflow-source.js';
import { REPLAY_PAYLOAD_KEYS } from '../replay/replay-key.js';
import { quietRuntime } from '../support/workers.js';

const root = join(projectRoot(), 'test', 'replay', 'histories');
const dataConverter = payloadDataConverter(parsePayloadKeys(REPLAY_PAYLOAD_KEYS));

async function histories(): Promise<Array<{ name: string; workflowId: string; history: ReturnType<typeof temporal.api.history.v1.History.decode> }>> {
  const found = [];
  for (const version of (await readdir(root)).sort()) {
    const ids = JSON.parse(await readFile(join(root, version, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
    for (const file of (await readdir(join(root, version))).filter((f) => f.endsWith('.history.pb')).sort()) {
      const history = temporal.api.history.v1.History.decode(await readFile(join(root, version, file)));
      found.push({ name: `${version}/${file}`, workflowId: ids[file] ?? `replay-${version}-${file}`, history });
    }
  }
  return found;
}

describe('workflow versioning: histories of released code replay against the current code', () => {
  it('replays every committed history without a determinism violation', async () => {
    quietRuntime();
    const all = await histories();
    assert.ok(all.length >= 5, `expected the committed histories under ${root}, found ${all.length}`);
    for (const h of all) {
      await Worker.runReplayHistory({ ...workflowSource(), dataConverter }, h.history, h.workflowId).catch((err: unknown) => {
        throw new Error(`${h.name} no longer replays: ${String(err)}`, { cause: err });
      });
    }
  });

  it('a reordered activity in changed workflow code fails the replay with a DeterminismViolationError', async () => {
    quietRuntime();
    const task = (await histories()).find((h) => h.name.endsWith('task-auto-fix.history.pb'));
    assert.ok(task, 'the auto-fix task history is committed');
    const error = await Worker.runReplayHistory(
      { workflowsPath: join(distDir(), 'test', 'replay', 'reordered', 'index.js'), dataConverter },
      task.history,
      task.workflowId,
    ).then(() => undefined, (err: unknown) => err);
    assert.ok(error instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${String(error)}`);
  });
});
