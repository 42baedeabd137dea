/** Errors of the model server; each carries the HTTP status it answers with. */

/** Base class: an error the server turns into { error: message } with this status. */
export class ServeError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is not what the protocol asks for (no "instances"/"inputs", bad JSON). */
export class BadRequestError extends ServeError {
  constructor(message: string) { super(400, message); }
}

/** 404: no such model (or route). */
export class ModelNotFoundError extends ServeError {
  constructor(name: string, known: string[]) {
    super(404, `model '${name}' is not served here (models: ${known.map((k) => `'${k}'`).join(', ') || 'none'})`);
  }
}

/** 422: the inputs do not fit the model's input signature (shape, dtype, non-finite). */
export class InputValidationError extends ServeError {
  constructor(message: string) { super(422, message); }
}

/** 503: the model's queue is full (answered with Retry-After), or the server is stopping. */
export class OverloadedError extends ServeError {
  constructor(message: string, retryAfterSeconds = 1) { super(503, message, { 'retry-after': String(retryAfterSeconds) }); }
}

/** 504: the request did not finish within the server's timeout. */
export class RequestTimeoutError extends ServeError {
  constructor(ms: number) { super(504, `the request did not finish within ${ms} ms`); }
}
