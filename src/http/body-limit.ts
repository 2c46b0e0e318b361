// Request body limits with a clear 413. A declared Content-Length is checked without touching the
// body; only bodies of unknown length go through hono's bodyLimit, which reads them as a stream
// (on Node that builds a whole web Request per call — measurable on the capture hot path).
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export function limitBody(maxSize: number, tooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const limitStream = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > maxSize ? Promise.resolve(tooLarge(c)) : next();
    }
    return limitStream(c, next);
  };
}
