// Domain errors: services throw these; app.onError shapes them as {error: {code, message, details}}.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string | number) => new AppError(404, 'not_found', `${what} ${id} does not exist`);
export const invalidInput = (field: string, message: string) =>
  new AppError(400, 'invalid_request', `${field}: ${message}`, [{ path: field, message }]);
