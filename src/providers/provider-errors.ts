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
