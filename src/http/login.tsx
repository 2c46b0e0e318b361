// GET/POST /login and POST /logout: the form that turns the access token into a session cookie.
import { Hono } from 'hono';
import { endSession, safeNext, startSession, tokenMatches, tooManyAttempts, type AccessGate } from './access';
import { LoginPage } from '../../views/pages/login';
import type { AppEnv } from '../app-env';
import { readForm } from '../pages/form-input';

export function loginRoutes(gate: AccessGate) {
  const { token } = gate;
  return new Hono<AppEnv>()
    .get('/login', (c) => {
      const next = safeNext(c.req.query('next'));
      if (!token) return c.redirect(next, 303);
      return c.html(<LoginPage next={next} />);
    })
    .post('/login', async (c) => {
      const body = await readForm(c);
      const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
      if (!token) return c.redirect(next, 303);
      const address = gate.clientAddress(c);
      const wait = gate.throttle.retryAfterS(address);
      if (wait) return tooManyAttempts(c, wait);
      const given = typeof body.token === 'string' ? body.token.trim() : '';
      if (!given || !(await tokenMatches(given, token))) {
        gate.throttle.fail(address);
        return c.html(<LoginPage next={next} failed />, 401);
      }
      await startSession(c, gate);
      return c.redirect(next, 303);
    })
    .post('/logout', async (c) => {
      await endSession(c, gate);
      return c.redirect('/login', 303);
    });
}
