// What every page response and page form post gets: secure headers (with a CSP that allows only our
// own scripts) and a body size limit answered with a clear 413. (Cross-site refusal is site-guards.ts.)
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { setAnswerHeader } from './response-headers';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isPagePath = (path: string) => !path.startsWith('/api/') && path !== '/v1' && !path.startsWith('/v1/');

/**
 * Scripts only from this origin (/static/htmx.min.js, /static/chart.umd.js); `<script type="application/json">`
 * data blocks are not executed and need no allowance. Inline style attributes (progress bars) are allowed.
 * The API and gateway get `nosniff` too: their JSON must never be read as anything else.
 */
export function pageSecureHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    referrerPolicy: 'same-origin',
  });
  return async (c, next) => {
    if (isPagePath(c.req.path)) return headers(c, next);
    await next();
    setAnswerHeader(c, 'x-content-type-options', 'nosniff');
  };
}

/** Body limits for page routes (the API and gateway have their own). */
export function pageGuards(limits: { maxBodyBytes: (path: string) => number }): MiddlewareHandler {
  const limiters = new Map<number, MiddlewareHandler>();
  const limiterFor = (maxSize: number) => {
    let limiter = limiters.get(maxSize);
    if (!limiter) {
      limiter = bodyLimit({
        maxSize,
        onError: (c) => c.text(`Request body is larger than ${maxSize} bytes (the limit for this form).`, 413),
      });
      limiters.set(maxSize, limiter);
    }
    return limiter;
  };
  return async (c, next) => {
    if (!isPagePath(c.req.path) || SAFE_METHODS.has(c.req.method)) return next();
    return limiterFor(limits.maxBodyBytes(c.req.path))(c, next);
  };
}
