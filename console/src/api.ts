import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from './session.js';

/** The API's problem answer (application/problem+json), as much of it as the page shows. */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The console is served by the API itself, so data calls go to the same origin. */
const BASE = '';

interface Cached {
  etag: string;
  body: unknown;
}
// One entry per URL and token: an answer for one user is never shown to another.
const cache = new Map<string, Cached>();

/** On sign-out: nothing of the last user's answers stays in the page. */
export function clearCache(): void {
  cache.clear();
}

async function problemOf(res: Response): Promise<ApiError> {
  let text = `${res.status} ${res.statusText}`;
  try {
    const p = (await res.json()) as Problem;
    text = `${res.status} ${p.title ?? res.statusText}${p.detail ? `: ${p.detail}` : ''}`;
  } catch {
    // Not a problem document (a proxy's page): the status line says enough.
  }
  return new ApiError(res.status, text);
}

/** GET with If-None-Match: a 304 answers from the copy this page already has. */
export async function getJson<T>(session: Session, path: string): Promise<T> {
  const key = `${session.token}\n${path}`;
  const cached = cache.get(key);
  const headers: Record<string, string> = { authorization: `Bearer ${session.token}`, accept: 'application/json' };
  if (cached) headers['if-none-match'] = cached.etag;
  const res = await fetch(BASE + path, { headers, cache: 'no-store' });
  if (res.status === 304 && cached) return cached.body as T;
  if (!res.ok) throw await problemOf(res);
  const body = (await res.json()) as T;
  const etag = res.headers.get('etag');
  if (etag) cache.set(key, { etag, body });
  return body;
}

export async function postJson<T>(session: Session, path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(BASE + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

/** How often a view asks again. Each role has a per-minute request limit (domain/roles.ts); one view polls one or two routes. */
export const POLL_MS = 5_000;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  refresh: () => void;
}

/** Fetches `path` now and every POLL_MS while the view is shown; `undefined` path fetches nothing. */
export function usePoll<T>(session: Session, path: string | undefined, intervalMs = POLL_MS): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const current = useRef(path);
  current.current = path;
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [path, session.token]);
  useEffect(() => {
    if (!path) return;
    let stopped = false;
    const load = () =>
      getJson<T>(session, path).then(
        (body) => {
          if (stopped || current.current !== path) return;
          setData(body);
          setError(undefined);
        },
        (err: Error) => {
          if (!stopped) setError(err.message);
        },
      );
    void load();
    const timer = setInterval(() => {
      // A hidden tab does not spend the role's request budget.
      if (document.visibilityState === 'visible') void load();
    }, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [path, session.token, tick, intervalMs]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, refresh };
}

/** Builds a query string from the filters that are set. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
