// Access control with STUDY_ACCESS_TOKEN: bearer for the API and gateway, a server-side session (from
// the login form) for pages. Health, static files and the login page stay open. Failed attempts are
// throttled per client address.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { Database } from '../db/client';
import { createSession, isLiveSession, revokeSession } from './sessions-repository';
import type { AuthThrottle } from './auth-throttle';
import type { AppEnv } from '../app-env';
import { areaOf, refuse } from './site-guards';

export const SESSION_COOKIE = 'study_session';
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;

const OPEN_PATHS = new Set(['/api/v1/health', '/login', '/favicon.ico']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Everything access control needs: the token, where sessions live, who is asking and how often they failed. */
export interface AccessGate {
  /** STUDY_ACCESS_TOKEN; unset means access control is off (Node only). */
  token?: string;
  /** Workers: without a token, refuse to serve anything but health. */
  requireToken?: boolean;
  db: Database;
  throttle: AuthThrottle;
  /** The client's address (the connection's on Node, Cloudflare's header on Workers; behind a TRUST_PROXY proxy, from X-Forwarded-For). */
  clientAddress: (c: Context<AppEnv>) => string;
}

export const isOpenPath = (path: string) => OPEN_PATHS.has(path) || path.startsWith('/static/');

export function accessControl(gate: AccessGate): MiddlewareHandler {
  const { token } = gate;
  return async (c, next) => {
    const path = c.req.path;
    if (isOpenPath(path)) return next();
    const area = areaOf(path);
    if (!token) {
      if (!gate.requireToken) return next();
      const message = 'This deployment serves no data until STUDY_ACCESS_TOKEN is configured (wrangler secret put STUDY_ACCESS_TOKEN).';
      return refuse(c, 503, 'access_token_required', message);
    }
    const bearer = bearerToken(c.req.header('authorization'));
    if (bearer !== undefined) {
      const wait = gate.throttle.retryAfterS(gate.clientAddress(c));
      if (wait) return tooManyAttempts(c, wait);
      if (await timingSafeEqual(bearer, token)) return next();
      gate.throttle.fail(gate.clientAddress(c));
    } else if (area !== 'gateway' && (await hasLiveSession(c, gate))) {
      return next();
    }
    if (area === 'page') return toLogin(c);
    const message =
      bearer === undefined
        ? 'Authentication required: send the access token as "Authorization: Bearer <STUDY_ACCESS_TOKEN>".'
        : 'The bearer token is not valid.';
    c.header('www-authenticate', 'Bearer realm="study-query-llm"');
    return refuse(c, 401, area === 'gateway' ? 'invalid_api_key' : 'unauthorized', message);
  };
}

export function tooManyAttempts(c: Context, retryAfterS: number) {
  c.header('retry-after', String(retryAfterS));
  return refuse(c, 429, 'too_many_attempts', `Too many failed attempts from this address; try again in ${retryAfterS} s.`);
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

// --- sessions: the cookie holds 32 random bytes; the database holds their SHA-256 (see the sessions table).

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

/** An HMAC of the token: sessions made under another token do not match it. */
async function tokenFingerprint(token: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode('study-session'))));
}

const SESSION_VALUE = /^[A-Za-z0-9_-]{43}$/;

async function hasLiveSession(c: Context<AppEnv>, gate: AccessGate): Promise<boolean> {
  const value = getCookie(c, SESSION_COOKIE);
  if (!value || !SESSION_VALUE.test(value)) return false;
  const id = await sha256(value);
  if (!(await isLiveSession(gate.db, id, await tokenFingerprint(gate.token!)))) return false;
  c.set('studySession', id);
  return true;
}

/**
 * Who is asking, for what they record (human labels): the signed-in session, as the start of its
 * hash (the sessions table's id; it signs no one in). Null without access control or with a bearer token.
 */
export function sessionOf(c: Context<AppEnv>): string | null {
  const id = c.get('studySession');
  return id ? `session:${id.slice(0, 16)}` : null;
}

const isHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';

export async function startSession(c: Context, gate: AccessGate) {
  const value = base64url(crypto.getRandomValues(new Uint8Array(32)));
  await createSession(gate.db, {
    id: await sha256(value),
    tokenFingerprint: await tokenFingerprint(gate.token!),
    expiresAt: new Date(Date.now() + SESSION_MAX_AGE_S * 1000).toISOString(),
  });
  setCookie(c, SESSION_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c), maxAge: SESSION_MAX_AGE_S });
}

/** Signs out: the session is revoked in the database (a copy of the cookie is worthless), and the cookie cleared. */
export async function endSession(c: Context, gate: AccessGate) {
  const value = getCookie(c, SESSION_COOKIE);
  if (value && SESSION_VALUE.test(value)) await revokeSession(gate.db, await sha256(value));
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
}

export const tokenMatches = (given: string, token: string) => timingSafeEqual(given, token);

/**
 * Where to go after signing in: a path of this site only. Browsers drop tabs and newlines from URLs
 * and read `\` as `/`, so `/%09/evil.example` would leave the site: any control character, any
 * backslash and a leading `//` send the user home instead.
 */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses in a redirect target
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  const resolved = new URL(next, 'http://this.site');
  return resolved.host === 'this.site' ? next : '/';
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
