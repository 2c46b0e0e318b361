// What keeps other web sites out, token or not: a Host allowlist (DNS rebinding turns a remote site
// into "localhost" unless the Host header is checked), refusal of cross-site state-changing requests
// from browsers (Sec-Fetch-Site / Origin), and CORS only for origins the operator lists. Clients that
// are not browsers (SDKs, curl) send neither header and are unaffected.
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Exposure } from '../config';
import { errorBody } from './errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export type Area = 'api' | 'gateway' | 'page';
export const areaOf = (path: string): Area =>
  path.startsWith('/api/') ? 'api' : path === '/v1' || path.startsWith('/v1/') ? 'gateway' : 'page';

/** An error in the shape of the area it answers: our API's, OpenAI's for the gateway, text for pages. */
export function refuse(c: Context, status: 401 | 403 | 415 | 421 | 429 | 503, code: string, message: string) {
  const area = areaOf(c.req.path);
  if (area === 'gateway') {
    const type = status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 429 ? 'rate_limit_error' : status === 503 ? 'server_error' : 'invalid_request_error';
    return c.json({ error: { message, type, param: null, code } }, status);
  }
  if (area === 'api') return c.json(errorBody(code, message), status);
  return c.text(message, status);
}

/** The host name of a Host header value: lower case, without its port (IPv6 keeps its brackets). */
export function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0]!;
}

/**
 * Answers only requests addressed to this server by name: localhost names, the host it listens on
 * (when that is a name or address, not 0.0.0.0) and ALLOWED_HOSTS ('*' turns the check off).
 */
export function hostAllowlist(exposure: Pick<Exposure, 'allowedHosts'>, listenHost?: string): MiddlewareHandler {
  const allowed = new Set([...LOCAL_HOSTS, ...exposure.allowedHosts.map(hostName)]);
  if (listenHost && !['0.0.0.0', '::', '[::]'].includes(listenHost)) allowed.add(hostName(listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost));
  const any = exposure.allowedHosts.includes('*');
  return async (c, next) => {
    if (any || c.req.path === '/api/v1/health') return next();
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (allowed.has(hostName(host))) return next();
    return refuse(c, 421, 'host_not_allowed', `This server does not answer for host "${hostName(host)}"; if that is its name, add it to ALLOWED_HOSTS.`);
  };
}

/**
 * A state-changing request a browser sent from another site. Browsers say where a request comes from
 * (Sec-Fetch-Site, else Origin); a request with neither is not from a browser and carries no ambient
 * credentials to abuse, so it passes (the rule Go's net/http CrossOriginProtection uses). Another port
 * on localhost is another origin (Sec-Fetch-Site: same-site), and is refused like any other.
 */
export function isCrossSiteRequest(c: Context, trustedOrigins: ReadonlySet<string> = new Set()): boolean {
  if (SAFE_METHODS.has(c.req.method)) return false;
  const origin = c.req.header('origin');
  if (origin && trustedOrigins.has(origin)) return false;
  const site = c.req.header('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  if (!origin) return false;
  return origin !== new URL(c.req.url).origin && origin !== forwardedOrigin(c);
}

/** Behind a TLS-terminating proxy the request URL says http: the proxy's headers say what the browser saw. */
function forwardedOrigin(c: Context): string | undefined {
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim() || c.req.header('host');
  return proto && host ? `${proto}://${host}` : undefined;
}

/**
 * The origin a person reaches this server at, to show in a page (the gateway's base URL): the
 * request's own scheme and Host header — or, when `trustForwarded` (TRUST_PROXY names the proxies in
 * front), what X-Forwarded-Proto and X-Forwarded-Host say the browser saw.
 */
export function publicOrigin(c: Context, trustForwarded: boolean): string {
  const forwarded = trustForwarded ? forwardedOrigin(c) : undefined;
  if (forwarded && /^https?:\/\//.test(forwarded)) return forwarded;
  const url = new URL(c.req.url);
  return `${url.protocol}//${c.req.header('host') ?? url.host}`;
}

/** Refuses (403) every cross-site state-changing browser request — API, gateway and pages alike. */
export function crossSiteGuard(exposure: Pick<Exposure, 'corsOrigins'>): MiddlewareHandler {
  const trusted = new Set(exposure.corsOrigins);
  return async (c, next) => {
    if (!isCrossSiteRequest(c, trusted)) return next();
    const message =
      areaOf(c.req.path) === 'page'
        ? 'Cross-site form submission refused (CSRF protection).'
        : 'Cross-site request refused: this origin may not call the server from a browser (see CORS_ORIGINS).';
    return refuse(c, 403, 'cross_site_refused', message);
  };
}

/** CORS for the API and gateway, for the configured origins only; without any, no CORS headers at all. */
export function corsForConfiguredOrigins(exposure: Pick<Exposure, 'corsOrigins'>): MiddlewareHandler {
  if (!exposure.corsOrigins.length) return (_c, next) => next();
  return cors({
    origin: exposure.corsOrigins,
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type', 'x-study-group', 'x-study-metadata', 'x-study-preprocess'],
    exposeHeaders: ['x-study-call-id', 'x-request-id', 'retry-after'],
    maxAge: 600,
  });
}
