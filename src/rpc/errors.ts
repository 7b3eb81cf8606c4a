/**
 * The closed list of error codes, their HTTP status and whether a caller should retry.
 * Every failure the API reports goes through `ApiError` and `errorBody`.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  // Unexpected faults include transient ones (a busy database), so a retry may succeed.
  INTERNAL_ERROR: { status: 500, retryable: true },
  AI_UPSTREAM_ERROR: { status: 502, retryable: true },
  AI_NOT_CONFIGURED: { status: 503, retryable: false },
  AI_TIMEOUT: { status: 504, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** When each code is used: published in the catalog (GET /schema, /openapi.json). */
export const ERROR_MEANINGS: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'Malformed JSON, a bad envelope or bad `data`; `details` has one entry per problem.',
  UNAUTHORIZED: 'Missing, malformed, unknown, revoked or expired credentials (one identical body for all).',
  FORBIDDEN: "The credential lacks the action's scope, or admin mode without the admin role.",
  NOT_FOUND: "No such record for this caller: another owner's record is reported like a missing one.",
  METHOD_NOT_ALLOWED: 'A method other than POST on /invoke or /mcp.',
  CONFLICT: 'A state rule is broken, or an idempotency key was reused with a different request.',
  PAYLOAD_TOO_LARGE: 'The body is over the limit, chunked or not.',
  RATE_LIMITED: "Over the caller's budget; wait for Retry-After seconds.",
  INTERNAL_ERROR: 'An unexpected fault; the detail is only in the server log, under the request id.',
  AI_UPSTREAM_ERROR: 'The LLM failed or answered outside the schema.',
  AI_NOT_CONFIGURED: '`generate` was called with no LLM configured.',
  AI_TIMEOUT: 'The LLM did not answer in time.',
};
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  success: false;
  error: {
    code: ErrorCode;
    message: string;
    retryable: boolean;
    details?: ErrorDetail[];
    request_id: string;
  };
}

export interface ApiErrorOptions {
  details?: ErrorDetail[];
  /** Overrides the code's default, e.g. an upstream 4xx that no retry will fix. */
  retryable?: boolean;
  /** Response headers that belong to this error (Retry-After, Allow). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly retryable: boolean;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.status = ERROR_CODES[code].status;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const validationError = (details: ErrorDetail[], message = 'The request is invalid.'): ApiError =>
  new ApiError('VALIDATION_ERROR', message, { details });

export const notFound = (what: string, id: string): ApiError =>
  new ApiError('NOT_FOUND', `${what} ${id} was not found.`);

export const rateLimited = (retryAfterSeconds: number): ApiError =>
  new ApiError('RATE_LIMITED', 'Too many requests; retry after the time in Retry-After.', {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

export const unauthorized = (): ApiError =>
  new ApiError('UNAUTHORIZED', 'Missing or invalid credentials.', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

/** A non-ApiError is a bug: the caller gets a generic message, never the original text. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError('INTERNAL_ERROR', 'An unexpected error occurred.', { cause: err });
}

export function errorBody(err: ApiError, requestId: string): ErrorBody {
  return {
    success: false,
    error: {
      code: err.code,
      message: err.message,
      retryable: err.retryable,
      ...(err.details && err.details.length > 0 ? { details: err.details } : {}),
      request_id: requestId,
    },
  };
}
