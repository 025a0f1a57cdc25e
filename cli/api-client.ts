import { loadConfigSubset } from '../lib/config.js';
import { CliError } from './cli-error.js';

/** Calls the API as the CLI's caller, so RBAC and the audit trail apply to the CLI exactly as to any client. */
export async function callApi<T>(method: 'GET' | 'POST' | 'PUT', path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const config = loadConfigSubset(['API_URL', 'GOLDEN_TOKEN']);
  const token = opts.token ?? config.GOLDEN_TOKEN;
  if (!token) throw new CliError('no API token: pass --token or set GOLDEN_TOKEN (mint a dev one with `golden token --role developer --tenant demo`)');
  let response: Response;
  try {
    response = await fetch(new URL(path, config.API_URL), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${config.API_URL} (${(err as Error).cause ?? (err as Error).message}); is the stack up? try \`golden stack status\``);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message below.
  }
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : text;
    throw new CliError(`API ${method} ${path} answered ${response.status}: ${message}`);
  }
  return { status: response.status, body: body as T };
}
