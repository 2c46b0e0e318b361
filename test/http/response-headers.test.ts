import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { setAnswerHeader } from '../../src/http/response-headers';

describe('setAnswerHeader', () => {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    setAnswerHeader(c, 'x-added', 'after');
  });
  app.get('/json', (c) => c.json({ ok: true }, 201));
  // A redirect's headers are immutable, as a fetched response's are.
  app.get('/immutable', () => Response.redirect('http://localhost/elsewhere', 302));

  it('adds a header to the answer the handler made, keeping its status and body', async () => {
    const res = await app.request('/json');
    expect([res.status, res.headers.get('x-added'), await res.json()]).toEqual([201, 'after', { ok: true }]);
  });

  it('adds it to an answer whose headers cannot change, by rebuilding that answer', async () => {
    const res = await app.request('/immutable');
    expect([res.status, res.headers.get('location'), res.headers.get('x-added')]).toEqual([302, 'http://localhost/elsewhere', 'after']);
  });
});
