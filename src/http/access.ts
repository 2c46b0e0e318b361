// Access control with STUDY_ACCESS_TOKEN: bearer for the API and gateway, a signed session cookie
// (from the login form) for pages. Health, static files and the login page stay open.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { timingSafeEqual } from 'hono/utils/buffer';
import { errorBody } from './errors';
import { isCrossSiteRequest } from './page-guards';

export const SESSION_COOKIE = 'study_session';
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;

const OPEN_PATHS = new Set(['/api/v1/health', '/login']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AccessOptions {
  /** STUDY_ACCESS_TOKEN; unset means access control is off (Node only). */
  token?: string;
  /** Workers: without a token, refuse to serve anything but health. */
  requireToken?: boolean;
}

type Area = 'api' | 'gateway' | 'page';

const areaOf = (path: string): Area =>
  path.startsWith('/api/') ? 'api' : path === '/v1' || path.startsWith('/v1/') ? 'gateway' : 'page';

export const isOpenPath = (path: string) => OPEN_PATHS.has(path) || path.startsWith('/static/');

export function accessControl(options: AccessOptions): MiddlewareHandler {
  const { token } = options;
  return async (c, next) => {
    const path = c.req.path;
    if (isOpenPath(path)) return next();
    const area = areaOf(path);
    if (!token) {
      if (!options.requireToken) return next();
      const message = 'This deployment serves no data until STUDY_ACCESS_TOKEN is configured (wrangler secret put STUDY_ACCESS_TOKEN).';
      return refuse(c, area, 503, 'access_token_required', message);
    }
    const bearer = bearerToken(c.req.header('authorization'));
    if (bearer !== undefined && (await timingSafeEqual(bearer, token))) return next();
    if (area !== 'gateway' && (await hasValidSession(c, token))) {
      // A cookie rides along on cross-site requests too: unsafe methods must come from our own pages.
      if (!isCrossSiteRequest(c)) return next();
      return refuse(c, area, 403, 'forbidden', 'Cross-site request refused (CSRF protection).');
    }
    if (area === 'page') return toLogin(c);
    const message =
      bearer === undefined
        ? 'Authentication required: send the access token as "Authorization: Bearer <STUDY_ACCESS_TOKEN>".'
        : 'The bearer token is not valid.';
    c.header('www-authenticate', 'Bearer realm="study-query-llm"');
    return refuse(c, area, 401, area === 'gateway' ? 'invalid_api_key' : 'unauthorized', message);
  };
}

function refuse(c: Context, area: Area, status: 401 | 403 | 503, code: string, message: string) {
  if (area === 'gateway') {
    const type = status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : 'server_error';
    return c.json({ error: { message, type, param: null, code } }, status);
  }
  if (area === 'api') return c.json(errorBody(code, message), status);
  return c.text(message, status);
}

/** Pages without a session go to the login form (htmx requests are told to, by header). */
function toLogin(c: Context) {
  const url = new URL(c.req.url);
  const target = `/login?next=${encodeURIComponent(url.pathname + url.search)}`;
  if (c.req.header('hx-request')) {
    c.header('hx-redirect', target);
    return c.text('Sign in required.', 401);
  }
  return SAFE_METHODS.has(c.req.method) ? c.redirect(target, 303) : c.redirect('/login', 303);
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

// --- sessions: `<issued-at>.<HMAC-SHA256(token, "study-session:<issued-at>")>`; the raw token is never stored.

async function sign(token: string, issuedAt: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`study-session:${issuedAt}`));
  return base64url(new Uint8Array(mac));
}

export async function sessionValue(token: string, issuedAt = Math.floor(Date.now() / 1000)): Promise<string> {
  return `${issuedAt}.${await sign(token, issuedAt)}`;
}

export async function isValidSession(value: string | undefined, token: string, now = Date.now()): Promise<boolean> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) return false;
  const issuedAt = Number(match[1]);
  const ageS = now / 1000 - issuedAt;
  if (ageS < -60 || ageS > SESSION_MAX_AGE_S) return false;
  return timingSafeEqual(match[2]!, await sign(token, issuedAt));
}

const hasValidSession = (c: Context, token: string) => isValidSession(getCookie(c, SESSION_COOKIE), token);

const isHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';

export async function startSession(c: Context, token: string) {
  setCookie(c, SESSION_COOKIE, await sessionValue(token), {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    maxAge: SESSION_MAX_AGE_S,
  });
}

export function endSession(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
}

export const tokenMatches = (given: string, token: string) => timingSafeEqual(given, token);

/** Where to go after signing in: a local path only (never another site). */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/login')) return '/';
  return next;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
