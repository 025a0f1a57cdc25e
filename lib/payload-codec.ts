import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** The encoding our encrypted payloads carry; anything else passes through untouched (plain starts from the `temporal` CLI). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown for a payload this process cannot decrypt: an unknown key id, or a ciphertext that fails its tag. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export interface PayloadKeys {
  /** Key id → 32-byte AES-256 key. Every key decrypts; only `current` (the first) encrypts. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
  readonly current: string;
}

/**
 * Parses `kid:hex64[,kid:hex64…]`: the first key encrypts, every key
 * decrypts, so a rotation puts the new key first and keeps the old ones
 * until no history needs them. Throws with the offending entry named.
 */
export function parsePayloadKeys(spec: string): PayloadKeys {
  const keys = new Map<string, Uint8Array>();
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9_.-]{1,64}):([0-9a-fA-F]{64})$/.exec(entry);
    if (!match) throw new Error(`"${entry.split(':')[0]}:…" is not <key id>:<64 hex digits (32 bytes)>`);
    if (keys.has(match[1]!)) throw new Error(`key id ${match[1]} is listed twice`);
    keys.set(match[1]!, Buffer.from(match[2]!, 'hex'));
  }
  const [current] = keys.keys();
  if (current === undefined) throw new Error('lists no key');
  return { keys, current };
}

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

// The key id is bound into the ciphertext: a payload cannot be passed off as encrypted under another key.
const aad = (keyId: string) => encoder.encode(`golden-payload-v1:${keyId}`);

/**
 * AES-256-GCM over each whole payload (metadata and data), so Temporal's
 * server, its database and its Web UI see only ciphertext and a key id.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.keys.get(this.keys.current)!;
    return payloads.map((payload) => {
      const plain = encoder.encode(
        JSON.stringify({ m: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, b64(v)])), d: b64(payload.data) }),
      );
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(this.keys.current));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(this.keys.current) },
        data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata?.[KEY_ID_METADATA] ?? new Uint8Array());
      const key = this.keys.keys.get(keyId);
      if (!key) throw new PayloadDecryptionError(`payload was encrypted with key "${keyId}", which PAYLOAD_ENCRYPTION_KEYS does not hold`);
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is too short to be one of ours');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") failed its integrity check`);
      }
      const inner = JSON.parse(decoder.decode(plain)) as { m: Record<string, string>; d: string };
      return { metadata: Object.fromEntries(Object.entries(inner.m).map(([k, v]) => [k, unb64(v)])), data: unb64(inner.d) };
    });
  }
}

/** The data converter every client and worker uses. */
export function payloadDataConverter(keys: PayloadKeys) {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)] };
}
