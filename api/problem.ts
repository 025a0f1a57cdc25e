import { z } from 'zod';

/**
 * The stable error codes of the API and their RFC 9457 titles: clients
 * branch on `code` (or the `type` URI made from it), never on the wording of
 * `detail`. A code once published keeps its meaning.
 */
export const PROBLEMS = {
  invalid_request: { status: 400, title: 'The request is not valid' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  forbidden: { status: 403, title: 'The caller lacks the permission' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  uri_too_long: { status: 414, title: 'A path parameter is too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'A service the API needs is unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;
export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The `type` member: a URN naming the code, stable across deployments and hosts. */
export const problemType = (code: ProblemCode) => `urn:golden:problem:${code}`;

/**
 * The body of every error answer (RFC 9457 members plus `code`, `requestId`
 * and, for validation, `errors`). Defined once: its OpenAPI id lives in zod's
 * global registry, which refuses the same id twice.
 */
export const ProblemBody = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    /** Repeats `detail` for clients of the API's first error shape (the `golden` CLI reads it); new clients read `detail`. */
    message: z.string(),
  })
  .meta({ id: 'Problem' });
export type ProblemBody = z.infer<typeof ProblemBody>;

/** Fastify's own client errors, by status, mapped to our codes. */
export function codeForStatus(status: number): ProblemCode {
  const found = (Object.entries(PROBLEMS) as Array<[ProblemCode, { status: number }]>).find(([, p]) => p.status === status);
  if (found) return found[0];
  return status >= 500 ? 'internal' : 'invalid_request';
}
