import { PROBLEMS, type ProblemCode } from './problem.js';

/** API errors carry a stable code (api/problem.ts) and so their HTTP status; one handler maps them. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ProblemCode,
    message: string,
  ) {
    super(message);
    this.statusCode = PROBLEMS[code].status;
  }
}

/** A request refused before its schema is checked; `fields` name each bad part like validation errors do. */
export class InvalidRequestError extends ApiError {
  override readonly name = 'InvalidRequestError';
  constructor(readonly fields: Array<{ field: string; message: string }>) {
    super('invalid_request', fields.map((f) => `${f.field}: ${f.message}`).join('; '));
  }
}

export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string) {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends ApiError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super('conflict', message);
  }
}

export class UnavailableError extends ApiError {
  override readonly name = 'UnavailableError';
  constructor(message: string) {
    super('unavailable', message);
  }
}

export class TooManyRequestsError extends ApiError {
  override readonly name = 'TooManyRequestsError';
  constructor(message: string) {
    super('rate_limited', message);
  }
}
