// GET/POST /login and POST /logout: the form that turns the access token into a session cookie.
import { Hono } from 'hono';
import { endSession, safeNext, startSession, tokenMatches } from '../http/access';
import { LoginPage } from '../../views/pages/login';

export function loginRoutes(token: string | undefined) {
  return new Hono()
    .get('/login', (c) => {
      const next = safeNext(c.req.query('next'));
      if (!token) return c.redirect(next, 303);
      return c.html(<LoginPage next={next} />);
    })
    .post('/login', async (c) => {
      const body = await c.req.parseBody();
      const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
      if (!token) return c.redirect(next, 303);
      const given = typeof body.token === 'string' ? body.token.trim() : '';
      if (!given || !(await tokenMatches(given, token))) return c.html(<LoginPage next={next} failed />, 401);
      await startSession(c, token);
      return c.redirect(next, 303);
    })
    .post('/logout', (c) => {
      endSession(c);
      return c.redirect('/login', 303);
    });
}
