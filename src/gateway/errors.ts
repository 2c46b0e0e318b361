// Gateway errors in OpenAI's shape, `{error: {message, type, param, code}}`, which OpenAI clients parse.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { ProviderError } from '../providers/types';
import type { CallSummary } from '../capture/capture';

export class GatewayError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const openAIError = (err: GatewayError) => ({ error: { message: err.message, type: err.type, param: err.param, code: err.code } });

export const invalidRequest = (param: string | null, message: string, code: string) =>
  new GatewayError(400, param ? `${param}: ${message}` : message, 'invalid_request_error', code, param);

const typeForStatus = (status: number) =>
  status === 401 ? 'authentication_error'
  : status === 403 ? 'permission_error'
  : status === 429 ? 'rate_limit_error'
  : status >= 500 ? 'server_error'
  : 'invalid_request_error';

/** Every error the gateway answers, in OpenAI's shape; anything unexpected is logged and answered 500. */
export function gatewayErrorHandler(deps: AppDeps) {
  return (err: Error, c: Context<AppEnv>) => {
    if (err instanceof GatewayError) return c.json(openAIError(err), err.status, err.headers);
    if (err instanceof AppError) {
      return c.json(openAIError(new GatewayError(err.status, deps.redact(err.message), typeForStatus(err.status), err.code)), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return c.json(openAIError(new GatewayError(status, err.message || 'Request failed', 'invalid_request_error', null)), status);
    }
    const requestId = c.get('requestId');
    deps.logger.error({ event: 'unhandled_error', request_id: requestId, error: deps.redact(String(err?.stack ?? err)) });
    return c.json(openAIError(new GatewayError(500, `Internal error; see the server log for request ${requestId}`, 'server_error', null)), 500);
  };
}

/**
 * A provider failure after our retries, answered as the provider answered it: its HTTP status when it
 * gave one (and its Retry-After), else 502, or 504 for a timeout. `x-should-retry: false` tells
 * OpenAI's SDKs not to retry what the gateway already retried (a persistent 429 would otherwise be
 * sent RETRY_MAX_ATTEMPTS × the client's retries times). The captured call's id goes in a header.
 */
export function upstreamError(error: ProviderError, summary: CallSummary | undefined, redact: (text: string) => string): GatewayError {
  const status = error.status !== undefined && error.status >= 400 && error.status <= 599 ? error.status : error.errorClass === 'Timeout' ? 504 : 502;
  const headers: Record<string, string> = { 'x-should-retry': 'false' };
  if (summary) headers['x-study-call-id'] = String(summary.id);
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  // The SDK prefixes messages with the status; the client's SDK will add it again.
  const message = redact(error.message.replace(/^\d{3}\s+/, ''));
  const code = error.options.code ?? (status >= 500 || error.status === undefined ? snakeCase(error.errorClass) : null);
  return new GatewayError(status as ContentfulStatusCode, message, typeForStatus(status), code, null, headers);
}

/** The error event that ends a broken stream: the failure's class, the captured call and the request id. */
export function streamFailure(error: ProviderError, callId: number, requestId: string): GatewayError {
  const message = `The answer broke off before it was complete (${error.errorClass}); it is captured as call ${callId}, request ${requestId}.`;
  return new GatewayError(502, message, error.status === 429 ? 'rate_limit_error' : 'server_error', snakeCase(error.errorClass));
}

const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
