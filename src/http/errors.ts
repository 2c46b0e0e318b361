// The one error path: every failure leaves as {error: {code, message, details?}}.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../errors';
import type { Logger } from '../logging';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } };
}

export function handleError(logger: Logger, redact: (text: string) => string) {
  return (err: Error, c: Context<AppEnv>) => {
    if (err instanceof AppError) return c.json(errorBody(err.code, redact(err.message), err.details), err.status);
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const message = err.message || (status === 413 ? 'Request body is too large' : 'Request failed');
      return c.json(errorBody(CODES[status] ?? 'http_error', message), status);
    }
    const requestId = c.get('requestId');
    logger.error({ event: 'unhandled_error', request_id: requestId, error: redact(String(err?.stack ?? err)) });
    return c.json(errorBody('internal_error', `Internal error; see the server log for request ${requestId ?? ''}`.trim()), 500);
  };
}
