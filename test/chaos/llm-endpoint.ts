import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_ROLES, type AgentRole } from '../../domain/agent-roles.js';
import type { AnswerKind } from '../../domain/llm/answer-schemas.js';
import type { Db } from '../../lib/db.js';
import { activePrompt } from '../../lib/governance.js';
import { ScriptedProvider } from '../../lib/llm/scripted-provider.js';
import { openAiCompletion } from '../support/fake-llm-server.js';

/**
 * The field each answer format asks for and no other does (activities/*-agent.ts
 * append the format to the role's prompt): how a request's answer kind is told
 * apart on the wire, where only the system and user messages travel.
 */
const KIND_MARKERS: ReadonlyArray<[string, AnswerKind]> = [
  ['"verdict"', 'reviewVote'],
  ['"action_plan"', 'supervisorSynthesis'],
  ['"approved": boolean', 'securityReview'],
  ['"summary"', 'developerSolution'],
  ['"rationale"', 'testGeneration'],
];

interface ChatRequest {
  messages: Array<{ role: string; content: string }>;
  max_tokens: number;
}

/**
 * An OpenAI-compatible endpoint on loopback whose answers come from the
 * scripted stand-in, so workers with LLM_PROVIDER=openai run the whole
 * pipeline over HTTP. `outage(ms)` makes it answer 500s and never-ending
 * requests (time-outs), alternately, for that long.
 */
export class ScriptedLlmEndpoint {
  readonly counts = { answered: 0, errors: 0, hung: 0 };
  private outageUntil = 0;
  private outageRequests = 0;
  private readonly scripted: ScriptedProvider;

  private constructor(
    private readonly server: Server,
    private readonly prompts: ReadonlyArray<[string, AgentRole]>,
    latencyMs: number,
  ) {
    this.scripted = new ScriptedProvider({ latencyMs });
  }

  /** Reads the prompts in use (to tell the roles apart) from the stack's database. */
  static async start(db: Db, latencyMs: number): Promise<ScriptedLlmEndpoint> {
    const prompts = await Promise.all(AGENT_ROLES.map(async (role): Promise<[string, AgentRole]> => [(await activePrompt(db, role)).body, role]));
    // Longest first: a prompt that starts with another's body is matched by its own.
    prompts.sort((a, b) => b[0].length - a[0].length);
    const server = createServer();
    const endpoint = new ScriptedLlmEndpoint(server, prompts, latencyMs);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void endpoint.answer(Buffer.concat(chunks).toString('utf8')).then(
          (reply) => {
            if (reply === 'hang') return;
            res.writeHead(reply.status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(reply.body));
          },
          (err: unknown) => {
            res.writeHead(400, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: (err as Error).message, type: 'invalid_request_error' } }));
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  /** What LLM_BASE_URL points at. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** From now on, for `ms`: every other request gets a 500, the others are never answered. */
  outage(ms: number): void {
    this.outageUntil = Date.now() + ms;
  }

  private async answer(raw: string): Promise<{ status: number; body: unknown } | 'hang'> {
    if (Date.now() < this.outageUntil) {
      this.outageRequests += 1;
      if (this.outageRequests % 2 === 0) {
        this.counts.hung += 1;
        return 'hang';
      }
      this.counts.errors += 1;
      return { status: 500, body: { error: { message: 'chaos: the endpoint is failing', type: 'server_error', param: null, code: null } } };
    }
    const request = JSON.parse(raw) as ChatRequest;
    const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
    const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const role = this.prompts.find(([body]) => system.startsWith(body))?.[1];
    const kind = KIND_MARKERS.find(([marker]) => system.includes(marker))?.[1];
    if (!role || !kind) throw new Error(`cannot tell the role (${role ?? 'unknown'}) or the answer kind (${kind ?? 'unknown'}) of this request`);
    const answer = await this.scripted.complete({ role, system, prompt, maxTokens: request.max_tokens, answerKind: kind });
    this.counts.answered += 1;
    return { status: 200, body: openAiCompletion(answer.text, { model: answer.model, promptTokens: answer.usage.promptTokens, completionTokens: answer.usage.completionTokens }) };
  }

  async close(): Promise<void> {
    // Requests left hanging by an outage would hold close() open.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}
