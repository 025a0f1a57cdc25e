/** API errors carry their HTTP status and a stable machine-readable code; one handler maps them. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string) {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends ApiError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class UnavailableError extends ApiError {
  override readonly name = 'UnavailableError';
  constructor(message: string) {
    super(503, 'unavailable', message);
  }
}

export class TooManyRequestsError extends ApiError {
  override readonly name = 'TooManyRequestsError';
  constructor(message: string) {
    super(429, 'rate_limited', message);
  }
}
