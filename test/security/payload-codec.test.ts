import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { taskQueueName } from '../../domain/task-queues.js';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, PayloadDecryptionError, parsePayloadKeys } from '../../lib/payload-codec.js';
import { TaskWorkflow } from '../../workflows/index.js';
import { createTestApi, type TestApi } from '../support/api.js';
import { requireServices, testConfig, uniqueId } from '../support/services.js';
import { createTestWorkers, type TestWorkers } from '../support/workers.js';

const config = testConfig();
const key = (byte: string) => byte.repeat(32);
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

describe('payload encryption', () => {
  describe('the codec', () => {
    const plain = defaultPayloadConverter.toPayload({ title: 'secret tenant code', n: 1 });

    it('round-trips payloads and hides their content and metadata', async () => {
      const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k1:${key('11')}`));
      const [encrypted] = await codec.encode([plain]);
      assert.equal(text(encrypted!.metadata!.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(encrypted!.metadata!['encryption-key-id']), 'k1');
      assert.ok(!text(encrypted!.data).includes('secret tenant code'));
      assert.ok(!text(encrypted!.data).includes('json/plain'));
      assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([encrypted!]))[0]!), { title: 'secret tenant code', n: 1 });
    });

    it('rotates keys: the first encrypts, every listed key still decrypts', async () => {
      const old = new AesGcmPayloadCodec(parsePayloadKeys(`k1:${key('11')}`));
      const rotated = new AesGcmPayloadCodec(parsePayloadKeys(`k2:${key('22')},k1:${key('11')}`));
      const [byOld] = await old.encode([plain]);
      assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([byOld!]))[0]!), { title: 'secret tenant code', n: 1 });
      const [byNew] = await rotated.encode([plain]);
      assert.equal(text(byNew!.metadata!['encryption-key-id']), 'k2');
      await assert.rejects(old.decode([byNew!]), /encrypted with key "k2", which PAYLOAD_ENCRYPTION_KEYS does not hold/);
    });

    it('refuses tampered ciphertext and a swapped key id, and passes plain payloads through', async () => {
      const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k1:${key('11')},k2:${key('11')}`));
      const [encrypted] = await codec.encode([plain]);
      const flipped = new Uint8Array(encrypted!.data!);
      flipped[20]! ^= 1;
      await assert.rejects(codec.decode([{ ...encrypted!, data: flipped }]), PayloadDecryptionError);
      // Same key bytes under another id: the id is bound into the ciphertext.
      const swapped = { ...encrypted!, metadata: { ...encrypted!.metadata, 'encryption-key-id': new TextEncoder().encode('k2') } };
      await assert.rejects(codec.decode([swapped]), /failed its integrity check/);
      assert.deepEqual(await codec.decode([plain]), [plain]);
    });

    it('refuses malformed key lists by entry', () => {
      assert.throws(() => parsePayloadKeys(''), /lists no key/);
      assert.throws(() => parsePayloadKeys('k1:abcd'), /"k1:…" is not <key id>:<64 hex digits/);
      assert.throws(() => parsePayloadKeys(`k1:${key('11')},k1:${key('22')}`), /listed twice/);
    });
  });

  describe('with the real Temporal server and API', () => {
    let workers: TestWorkers;
    let api: TestApi;
    let raw: Client;

    before(async () => {
      await requireServices(config, ['temporal', 'postgres', 'redis']);
      workers = await createTestWorkers(config, ['orchestrator', 'peer-hub', 'supervisor', 'sandbox']);
      api = await createTestApi(config);
      // No codec: what anyone reading Temporal's database or history without the key sees.
      raw = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
    });
    after(async () => {
      await raw?.connection.close();
      await api?.close();
      await workers?.close();
    });

    it('stores workflow inputs and results encrypted; the codec endpoint decodes them for admins only', async () => {
      const marker = `confidential-${uniqueId('m')}`;
      const workflowId = `task-${uniqueId('enc')}`;
      await api.temporal.workflow.execute(TaskWorkflow, {
        taskQueue: taskQueueName('orchestrator', config.TEMPORAL_TASK_QUEUE_PREFIX),
        workflowId,
        args: [{ title: 'FizzBuzz', description: marker, language: 'python', tenantId: 'codec-test', requestedBy: 'codec-test' }],
      });

      const history = await raw.workflowService.getWorkflowExecutionHistory({ namespace: config.TEMPORAL_NAMESPACE, execution: { workflowId } });
      const events = history.history?.events ?? [];
      const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      assert.ok(input, 'the start event has an input payload');
      assert.equal(text(input.metadata?.encoding), ENCRYPTED_ENCODING);
      const everything = JSON.stringify(history.toJSON());
      assert.ok(!everything.includes(marker), 'no payload in the history carries the plain text');
      assert.ok(!Buffer.from(everything).toString('base64').includes(Buffer.from(marker).toString('base64')));

      const wire = { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(input.data!).toString('base64') }] };
      const decode = async (token?: string, origin?: string) =>
        api.app.inject({
          method: 'POST',
          url: '/codec/decode',
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}), 'x-namespace': config.TEMPORAL_NAMESPACE },
          payload: wire,
        });
      const admin = await decode(await api.token('admin', 'codec-test'));
      assert.equal(admin.statusCode, 200, admin.body);
      const decoded = admin.json<{ payloads: Array<{ data: string }> }>().payloads[0]!;
      assert.ok(Buffer.from(decoded.data, 'base64').toString().includes(marker));
      assert.equal((await decode(await api.token('operator', 'codec-test'))).statusCode, 403);
      assert.equal((await decode(await api.token('developer', 'codec-test'))).statusCode, 403);
      assert.equal((await decode()).statusCode, 401);

      if (config.TEMPORAL_UI_URL) {
        const origin = new URL(config.TEMPORAL_UI_URL).origin;
        const preflight = await api.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin, 'access-control-request-method': 'POST' } });
        assert.equal(preflight.statusCode, 204);
        assert.equal(preflight.headers['access-control-allow-origin'], origin);
        const other = await api.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: 'http://evil.invalid' } });
        assert.equal(other.headers['access-control-allow-origin'], undefined, 'no other origin is let in');
      }
    });
  });
});
