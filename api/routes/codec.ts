import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AesGcmPayloadCodec, PayloadDecryptionError } from '../../lib/payload-codec.js';
import { writeAudit } from '../audit.js';
import type { ApiDeps } from '../context.js';
import { ApiError } from '../errors.js';
import { bearerAuth, ErrorBody } from './shared.js';

// The codec-server protocol: payloads as JSON, metadata values and data base64.
const WirePayload = z
  .object({
    metadata: z.record(z.string().max(256), z.string().max(4_096)).optional(),
    data: z.string().max(4 * 1024 * 1024).optional(),
  })
  .strict();
const WirePayloads = z.object({ payloads: z.array(WirePayload).max(1_000) }).strict().meta({ id: 'CodecPayloads' });

const toPayload = (p: z.infer<typeof WirePayload>) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toWire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** A payload that cannot be decrypted here: the caller's problem, not a server fault. */
class UndecryptableError extends ApiError {
  override readonly name = 'UndecryptableError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

/**
 * The Temporal Web UI's remote codec (`--ui-codec-endpoint …/codec`): it
 * decodes payloads for permitted users only, so tenant data in histories is
 * readable in the UI by admins and by no one else. Browsers call it across
 * origins, so the Web UI's origin gets CORS answers.
 */
export function codecRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const codec = new AesGcmPayloadCodec(deps.config.PAYLOAD_ENCRYPTION_KEYS);
  const uiOrigin = deps.config.TEMPORAL_UI_URL ? new URL(deps.config.TEMPORAL_UI_URL).origin : undefined;

  return async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (uiOrigin && request.headers.origin === uiOrigin) {
        reply.header('access-control-allow-origin', uiOrigin);
        reply.header('access-control-allow-credentials', 'true');
        reply.header('access-control-allow-headers', 'authorization, content-type, x-namespace');
        reply.header('access-control-allow-methods', 'POST, OPTIONS');
        reply.header('vary', 'origin');
      }
    });

    for (const direction of ['encode', 'decode'] as const) {
      app.options(`/codec/${direction}`, { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
      app.post(
        `/codec/${direction}`,
        {
          config: { permission: 'payload:decode' },
          schema: {
            summary: direction === 'decode' ? 'Decrypt workflow payloads (the Web UI codec server)' : 'Encrypt workflow payloads (the Web UI codec server)',
            security: bearerAuth,
            body: WirePayloads,
            response: { 200: WirePayloads, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
          },
        },
        async (request) => {
          const identity = request.identity!;
          const payloads = request.body.payloads.map(toPayload);
          let out;
          try {
            out = direction === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
          } catch (err) {
            if (err instanceof PayloadDecryptionError) throw new UndecryptableError(err.message);
            throw err;
          }
          if (direction === 'decode') {
            // Reading tenant data is audited like any other read of it.
            await writeAudit(deps.db, {
              tenantId: identity.tenant,
              actor: identity.sub,
              role: identity.role,
              action: 'payload:decode',
              resource: `namespace/${String(request.headers['x-namespace'] ?? deps.config.TEMPORAL_NAMESPACE)}`,
              outcome: 'allowed',
              requestId: request.id,
              detail: { payloads: payloads.length },
            });
          }
          return { payloads: out.map(toWire) };
        },
      );
    }
  };
}
