import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, InvalidRequestError } from './errors.js';
import { PROBLEMS, PROBLEM_CONTENT_TYPE, codeForStatus, problemType, type ProblemBody, type ProblemCode } from './problem.js';

export function sendProblem(request: FastifyRequest, reply: FastifyReply, code: ProblemCode, detail: string, errors?: ProblemBody['errors']) {
  const { status, title } = PROBLEMS[code];
  const body: ProblemBody = {
    type: problemType(code),
    title,
    status,
    detail,
    instance: request.url.split('?')[0]!,
    code,
    requestId: request.id,
    ...(errors ? { errors } : {}),
    message: detail,
  };
  return reply.status(status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * One place turns errors into RFC 9457 problem documents: validation problems
 * name each field, API errors keep their code, Fastify's own client errors
 * (bad JSON, body too large, wrong content type) keep their status, and
 * anything else is a 500 whose details, stack included, stay in the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        field: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'is not valid',
      }));
      return sendProblem(request, reply, 'invalid_request', errors.map((i) => `${i.field}: ${i.message}`).join('; '), errors);
    }
    if (error instanceof InvalidRequestError) return sendProblem(request, reply, 'invalid_request', error.message, error.fields);
    if (error instanceof ApiError) return sendProblem(request, reply, error.code as ProblemCode, error.message);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's client errors name what was wrong with the request and nothing about the server.
      return sendProblem(request, reply, codeForStatus(error.statusCode), error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, 'internal', 'internal error; see the server log under this request id');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
