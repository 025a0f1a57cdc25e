/**
 * Error answers are sent as `application/problem+json` (RFC 9457), so the
 * document must say so: every response whose body is the Problem schema is
 * listed under that media type instead of `application/json`.
 */
const PROBLEM_REF = '#/components/schemas/Problem';

interface MediaTypes {
  [mediaType: string]: { schema?: { $ref?: string } } | undefined;
}

export function documentProblemMediaType<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, { responses?: Record<string, { content?: MediaTypes }> }>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation?.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (response.content && json?.schema?.$ref === PROBLEM_REF) {
          delete response.content['application/json'];
          response.content['application/problem+json'] = json;
        }
      }
    }
  }
  return document;
}
