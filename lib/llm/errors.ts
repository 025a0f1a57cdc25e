import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { WaitAdvice, WaitFailureType } from '../../domain/durable-waits.js';

/**
 * Thrown when an LLM provider's HTTP call fails: an error status, a network
 * error, a time-out, or an answer that does not have the provider's shape.
 * `retryable` decides per error whether Temporal tries again.
 */
export class LlmProviderError extends Error {
  override readonly name = 'LlmProviderError';
  readonly provider: string;
  readonly retryable: boolean;
  readonly status?: number;
  /** The server's `retry-after`, in ms: a 429's is the workflow's durable wait, any other's the activity's next retry delay. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    details: { provider: string; retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = details.provider;
    this.retryable = details.retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * The activity failure for a provider error: its own flag, not the type, decides whether to retry.
 * A rate limit (429) is a wait, not a failure: non-retryable so it spends no attempt, the workflow
 * sleeps the server's retry-after on a durable timer and calls again (workflows/durable-wait.ts).
 */
export function toActivityFailure(err: LlmProviderError): ApplicationFailure {
  if (err.status === 429) {
    const advice: WaitAdvice = { on: `provider ${err.provider}`, ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }) };
    return ApplicationFailure.create({ type: 'LlmRateLimitedError' satisfies WaitFailureType, message: err.message, nonRetryable: true, details: [advice] });
  }
  return ApplicationFailure.create({
    type: 'LlmProviderError',
    message: err.message,
    nonRetryable: !err.retryable,
    nextRetryDelay: err.retryAfterMs,
    details: [{ provider: err.provider, status: err.status ?? null }],
  });
}

/** `retry-after` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Rate limits, time-outs on the server side and server errors pass; anything else is the request's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function retryAfterOf(headers: Headers): number | undefined {
  // OpenAI also sends the delay in ms, more precise than whole seconds.
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms !== undefined && /^\d+$/.test(ms)) return Number(ms);
  return parseRetryAfter(headers.get('retry-after'));
}

function errorMessageOf(bodyText: string): string {
  try {
    // OpenAI-compatible servers and Anthropic both answer `{ error: { message } }`.
    const body = JSON.parse(bodyText) as { error?: { message?: unknown } | string };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: show the text itself
  }
  return bodyText.slice(0, 300);
}

export interface JsonCall<T> {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  /** The caller's signal (an activity's cancellation); its abort is rethrown as is, not as a provider error. */
  signal?: AbortSignal | undefined;
  /** The shape of a successful answer. */
  schema: z.ZodType<T>;
}

/** POSTs JSON and returns the validated answer; every way the call can fail becomes an LlmProviderError. */
export async function postJson<T>(call: JsonCall<T>): Promise<T> {
  const { provider, url, timeoutMs, signal } = call;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: JSON.stringify(call.body),
      signal: combined,
    });
    status = res.status;
    text = await res.text();
    if (!res.ok) {
      const retryable = isRetryableStatus(status);
      const retryAfterMs = retryable ? retryAfterOf(res.headers) : undefined;
      throw new LlmProviderError(`${provider} answered HTTP ${status}: ${errorMessageOf(text)}`, {
        provider,
        retryable,
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
  } catch (err) {
    if (err instanceof LlmProviderError) throw err;
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new LlmProviderError(`${provider} did not answer within ${timeoutMs} ms`, { provider, retryable: true, cause: err });
    }
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new LlmProviderError(`${provider} request to ${url} failed: ${reason}`, { provider, retryable: true, cause: err });
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // A cut-off answer (a proxy dropping the end) is transient; asking again usually gets all of it.
    throw new LlmProviderError(`${provider} answer is not valid JSON (truncated?): ${text.slice(0, 120)}`, {
      provider,
      retryable: true,
      status,
      cause: err,
    });
  }
  const parsed = call.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new LlmProviderError(`${provider} answer does not have the expected shape: ${issues}`, { provider, retryable: true, status });
  }
  return parsed.data;
}
