import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer; the server hands them out in order, one per request. */
export type FakeReply =
  | { kind: 'json'; status?: number; headers?: Record<string, string>; body: unknown }
  /** A 200 whose body ends early but cleanly: the client gets malformed JSON. */
  | { kind: 'truncated'; body: unknown }
  /** Headers promise the whole body, then the connection drops half-way. */
  | { kind: 'cut'; body: unknown }
  /** Never answers; the client must time out or abort. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** An in-process stand-in for OpenAI and Anthropic, on loopback only, answering with their real shapes. */
export class FakeLlmServer {
  readonly requests: RecordedRequest[] = [];
  private readonly replies: FakeReply[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeLlmServer> {
    const server = createServer();
    const fake = new FakeLlmServer(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        fake.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
        const reply = fake.replies.shift() ?? { kind: 'json', status: 500, body: { error: { message: 'fake server: no reply scripted' } } };
        switch (reply.kind) {
          case 'json': {
            res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
            res.end(JSON.stringify(reply.body));
            return;
          }
          case 'truncated': {
            const text = JSON.stringify(reply.body);
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(text.slice(0, Math.floor(text.length / 2)));
            return;
          }
          case 'cut': {
            const text = JSON.stringify(reply.body);
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
            res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
            return;
          }
          case 'hang':
            return;
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues answers for the next requests. */
  reply(...replies: FakeReply[]): this {
    this.replies.push(...replies);
    return this;
  }

  /** Forgets recorded requests and unused replies between tests. */
  reset(): void {
    this.requests.length = 0;
    this.replies.length = 0;
  }

  async close(): Promise<void> {
    // Hanging requests and keep-alive sockets would hold close() open.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

/** A chat-completions answer as OpenAI sends it. */
export function openAiCompletion(text: string | null, opts: { model?: string; promptTokens?: number; completionTokens?: number } = {}): unknown {
  const promptTokens = opts.promptTokens ?? 12;
  const completionTokens = opts.completionTokens ?? 7;
  return {
    id: 'chatcmpl-fake123',
    object: 'chat.completion',
    created: 1_764_000_000,
    model: opts.model ?? 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** A Messages API answer as Anthropic sends it. */
export function anthropicMessage(
  content: Array<{ type: 'text'; text: string } | { type: 'thinking'; thinking: string; signature: string }>,
  opts: { model?: string; inputTokens?: number; outputTokens?: number; stopReason?: string } = {},
): unknown {
  return {
    id: 'msg_fake123',
    type: 'message',
    role: 'assistant',
    model: opts.model ?? 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: opts.stopReason ?? 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: opts.inputTokens ?? 20,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: opts.outputTokens ?? 9,
      service_tier: 'standard',
    },
  };
}

/** An error answer in OpenAI's shape. */
export function openAiError(status: number, message: string, headers: Record<string, string> = {}): FakeReply {
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : 'server_error';
  return { kind: 'json', status, headers, body: { error: { message, type, param: null, code: null } } };
}

/** An error answer in Anthropic's shape. */
export function anthropicError(status: number, message: string, headers: Record<string, string> = {}): FakeReply {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    429: 'rate_limit_error',
    500: 'api_error',
    529: 'overloaded_error',
  };
  return { kind: 'json', status, headers, body: { type: 'error', error: { type: types[status] ?? 'api_error', message }, request_id: 'req_fake' } };
}
