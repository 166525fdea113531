// Every error the API answers, as one table of stable codes. The body is always
// `{statusCode, code, error, message}` (plus `parameter` when one parameter is at fault), so a client
// branches on `code` and shows `message`.
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { StoreIoError } from '../store/errors.ts';

export const ERRORS = {
  invalid_request: { status: 400, error: 'Bad Request' },
  invalid_parameter: { status: 400, error: 'Bad Request' },
  unauthenticated: { status: 401, error: 'Unauthorized' },
  forbidden: { status: 403, error: 'Forbidden' },
  not_found: { status: 404, error: 'Not Found' },
  method_not_allowed: { status: 405, error: 'Method Not Allowed' },
  conflict: { status: 409, error: 'Conflict' },
  connection_failed: { status: 422, error: 'Unprocessable Entity' },
  not_renderable: { status: 422, error: 'Unprocessable Entity' },
  payload_too_large: { status: 413, error: 'Payload Too Large' },
  unsupported_media_type: { status: 415, error: 'Unsupported Media Type' },
  rate_limited: { status: 429, error: 'Too Many Requests' },
  internal: { status: 500, error: 'Internal Server Error' },
  upstream_failed: { status: 502, error: 'Bad Gateway' },
  unavailable: { status: 503, error: 'Service Unavailable' },
  timeout: { status: 503, error: 'Service Unavailable' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.statusCode = ERRORS[code].status;
  }
}

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ enum: Object.keys(ERRORS) }),
    error: Type.String(),
    message: Type.String(),
    parameter: Type.Optional(Type.String({ description: 'the parameter at fault' })),
  },
  { $id: 'Error', description: 'every error answer' },
);

export function errorBody(code: ErrorCode, message: string, parameter?: string) {
  const e = ERRORS[code];
  return { statusCode: e.status, code, error: e.error, message, ...(parameter ? { parameter } : {}) };
}

/** Fastify's own errors (validation, body parsing, limits) mapped onto the table. */
function codeOf(err: FastifyError & { code?: string }): ErrorCode {
  if (err.validation) return 'invalid_parameter';
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_BAD_URL':
      return 'invalid_request';
    case 'FST_ERR_RATE_LIMIT':
      return 'rate_limited';
  }
  const status = err.statusCode ?? 500;
  const found = Object.entries(ERRORS).find(([, e]) => e.status === status);
  return status >= 400 && status < 500 && found ? (found[0] as ErrorCode) : 'internal';
}

/** The parameter an ajv error is about: `/breachIds/0` → breachIds, a missing one by name. */
function parameterOf(err: FastifyError): string | undefined {
  const v = err.validation?.[0];
  if (!v) return undefined;
  const missing = (v.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  return missing.missingProperty ?? missing.additionalProperty ?? (v.instancePath.split('/')[1] || undefined);
}

export function registerErrorHandling(app: FastifyInstance, log?: { error(m: string): void }): void {
  app.setErrorHandler((err: FastifyError & { code?: string }, req, reply) => {
    if (err instanceof ApiError)
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.parameter));
    // The store cannot write (full disk, read-only, damaged): say so and what to do; it is not a bug.
    if (err instanceof StoreIoError) return reply.status(503).send(errorBody('unavailable', err.message));
    const code = codeOf(err);
    if (code === 'internal') {
      // The cause stays in the log; the caller learns only that it was ours.
      log?.error(`${req.method} ${req.url}: ${err.stack ?? err.message}`);
      return reply.status(500).send(errorBody('internal', 'internal error: see the service log'));
    }
    const parameter = err.validation ? parameterOf(err) : undefined;
    const message = err.validation
      ? `invalid ${err.validationContext ?? 'request'}${parameter ? ` parameter "${parameter}"` : ''}: ${err.validation[0]?.message ?? err.message}`
      : err.message;
    return reply.status(ERRORS[code].status).send(errorBody(code, message, parameter));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );
}
