// What every page response and page form post gets: secure headers (with a CSP that allows only our
// own scripts), cross-site request refusal (CSRF), and a body size limit answered with a clear 413.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isPagePath = (path: string) => !path.startsWith('/api/') && path !== '/v1' && !path.startsWith('/v1/');

/**
 * Scripts only from this origin (/static/htmx.min.js, /static/chart.umd.js); `<script type="application/json">`
 * data blocks are not executed and need no allowance. Inline style attributes (progress bars) are allowed.
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
  return (c, next) => (isPagePath(c.req.path) ? headers(c, next) : next());
}

/**
 * A state-changing request a browser sent from another site. Browsers say where a request comes from
 * (Sec-Fetch-Site, else Origin); a request with neither is not from a browser and carries no ambient
 * credentials to abuse, so it passes (the rule Go's net/http CrossOriginProtection uses).
 */
export function isCrossSiteRequest(c: Context): boolean {
  if (SAFE_METHODS.has(c.req.method)) return false;
  const site = c.req.header('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = c.req.header('origin');
  if (!origin) return false;
  return origin !== new URL(c.req.url).origin && origin !== forwardedOrigin(c);
}

/** Behind a TLS-terminating proxy the request URL says http: the proxy's headers say what the browser saw. */
function forwardedOrigin(c: Context): string | undefined {
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  return proto && host ? `${proto}://${host}` : undefined;
}

/** CSRF protection and body limits for page routes (the API and gateway have their own). */
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
    if (isCrossSiteRequest(c)) return c.text('Cross-site form submission refused (CSRF protection).', 403);
    return limiterFor(limits.maxBodyBytes(c.req.path))(c, next);
  };
}
