// Maps whatever an OpenAI-style SDK call threw onto ProviderError with the spec's retry rules.
import OpenAI from 'openai';
import { ProviderError } from './types';

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/** The SDK's names for its errors by status, named here so a minifying bundler cannot rename them. */
const ERROR_CLASS_BY_STATUS: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  409: 'ConflictError',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
};
const errorClassFor = (status: number) => ERROR_CLASS_BY_STATUS[status] ?? (status >= 500 ? 'InternalServerError' : `HTTP${status}`);

export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIUserAbortError) {
    return new ProviderError('Aborted', 'The request was aborted by the caller', { retryable: false });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError('Timeout', 'The provider did not answer within the timeout', { retryable: true });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    const cause = (error as { cause?: { code?: string; cause?: { code?: string } } }).cause;
    const code = cause?.code ?? cause?.cause?.code;
    return new ProviderError('ConnectionError', `Could not connect to the provider${code ? ` (${code})` : ''}`, {
      retryable: true,
      code,
    });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    return new ProviderError(errorClassFor(status), error.message, {
      status,
      retryable: RETRYABLE_STATUS(status),
      retryAfterMs: retryAfterMs(error.headers),
      code: typeof error.code === 'string' ? error.code : undefined,
    });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError('MalformedResponse', `The provider answered with malformed JSON: ${error.message}`, {
      status: 200,
      retryable: false,
    });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new ProviderError('Aborted', 'The request was aborted by the caller', { retryable: false });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(error instanceof Error ? error.name : 'UnknownError', message, { retryable: false });
}

/** Retry-After in ms from `retry-after-ms`, `retry-after` seconds, or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The fetch an SDK client is given, so that what other OpenAI-style servers answer reaches the SDK
 * in OpenAI's shape, `{"error": {"message": …}}`. The SDK reads a message only from an `error`
 * object: FastAPI's `{"detail": "Not Found"}` (vLLM, LiteLLM) and older vLLM's top-level
 * `{"object": "error", "message": "The model `x` does not exist."}` would otherwise both arrive as
 * "404 status code (no body)", and the gateway could not tell a missing endpoint from a missing model.
 * LM Studio answers a route it does not have with 200 and `{"error": "Unexpected endpoint or method.
 * (POST /v1/responses)"}`: that is the 404 it stands for.
 */
export function withOpenAIErrorShapes(fetcher: () => typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetcher()(input, init);
    if (response.status >= 400) return withErrorObject(response);
    if (response.status === 200 && mayBeUnknownRoute(response.headers)) return unknownRouteAsNotFound(response);
    return response;
  };
}

async function withErrorObject(response: Response): Promise<Response> {
  const body = parseObject(await response.clone().text());
  if (!body || (typeof body.error === 'object' && body.error !== null)) return response;
  const message = typeof body.error === 'string' ? body.error : (body.message ?? body.detail);
  if (message === undefined) return response;
  const { error: _error, ...rest } = body;
  return reshaped(response, response.status, { error: { ...rest, message } });
}

// LM Studio's answer is about 70 bytes; a chat completion or a Responses object is never this small.
const mayBeUnknownRoute = (headers: Headers) =>
  Number(headers.get('content-length') ?? Number.POSITIVE_INFINITY) <= 256 && (headers.get('content-type') ?? '').includes('json');

async function unknownRouteAsNotFound(response: Response): Promise<Response> {
  const text = await response.clone().text();
  if (!text.includes('Unexpected endpoint or method.')) return response;
  const body = parseObject(text);
  const said = body && Object.keys(body).length === 1 && typeof body.error === 'string' ? body.error : '';
  if (!said.startsWith('Unexpected endpoint or method.')) return response;
  return reshaped(response, 404, { error: { message: said, type: 'invalid_request_error', param: null, code: null } });
}

function reshaped(response: Response, status: number, body: unknown): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { status, statusText: status === response.status ? response.statusText : 'Not Found', headers });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
