// The fetch the SDK uses on Node (undici `dispatch` underneath) behaves as fetch for what the SDK needs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undiciRequestFetch } from '../../src/node/node-fetch';

async function waitUntil(check: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('undiciRequestFetch', () => {
  let server: http.Server;
  let base: string;
  const openStreams: http.ServerResponse[] = [];
  const closedStreams: http.ServerResponse[] = [];
  const fetchNode = undiciRequestFetch();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/echo') {
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
        } else if (req.url === '/empty') {
          res.statusCode = 204;
          res.end();
        } else if (req.url === '/hang') {
          // never answers
        } else if (req.url === '/events') {
          // Two events, then silence until the client goes away (or /events/end is asked for).
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: one\n\n');
          setTimeout(() => res.write('data: two\n\n'), 20);
          openStreams.push(res);
          res.on('close', () => closedStreams.push(res));
        } else {
          res.statusCode = 404;
          res.end('nope');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends method, headers and body, and returns status, every header and the body', async () => {
    const res = await fetchNode(`${base}/echo`, { method: 'post', headers: new Headers({ authorization: 'Bearer k' }), body: 'hi' });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await res.json()).toEqual({ method: 'POST', auth: 'Bearer k', body: 'hi' });
  });

  it('answers with headers read as fetch reads them: any case, in name order, each Set-Cookie apart, read-only', async () => {
    const res = await fetchNode(`${base}/echo`, { method: 'POST', headers: { 'x-plain': 'object' }, body: '' });
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.has('SET-COOKIE')).toBe(true);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const names = [...res.headers].map(([name]) => name);
    expect(names).toEqual([...names].sort());
    expect([...res.headers].filter(([name]) => name === 'set-cookie')).toEqual([['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
    expect(() => res.headers.set('x-more', '1')).toThrow(TypeError);
    expect(((await res.json()) as { body: string }).body).toBe('');
  });

  it('lets the body be read once, as JSON, text, bytes or one stream, and cloned before', async () => {
    const res = await fetchNode(`${base}/echo`, { method: 'POST', body: 'once' });
    const copy = res.clone();
    expect(res.bodyUsed).toBe(false);
    expect(await res.text()).toContain('"body":"once"');
    expect(res.bodyUsed).toBe(true);
    await expect(res.json()).rejects.toThrow(TypeError);
    expect(() => res.clone()).toThrow(TypeError);
    expect(copy.body).toBe(copy.body);
    expect(await new Response(copy.body).json()).toMatchObject({ body: 'once' });
    await expect(copy.arrayBuffer()).rejects.toThrow(TypeError);
  });

  it('answers 204 and error statuses as fetch does', async () => {
    const empty = await fetchNode(`${base}/empty`);
    expect([empty.status, empty.body]).toEqual([204, null]);
    const missing = await fetchNode(new URL(`${base}/missing`));
    expect([missing.status, missing.ok, await missing.text()]).toEqual([404, false, 'nope']);
  });

  it('rejects with an AbortError when the signal aborts, as the SDK expects for its timeout', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(fetchNode(`${base}/hang`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects at once with an AbortError when the signal is already aborted', async () => {
    await expect(fetchNode(`${base}/echo`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('relays an event stream as it arrives, ends it when the server does, and closes the connection when the reader cancels', async () => {
    const res = await fetchNode(`${base}/events`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('two')) text += decoder.decode((await reader.read()).value);
    // Both events read while the server still holds the stream open.
    expect(text).toBe('data: one\n\ndata: two\n\n');
    const server = openStreams.at(-1)!;
    expect(closedStreams).not.toContain(server);
    await reader.cancel();
    await waitUntil(() => closedStreams.includes(server));

    const ended = await fetchNode(`${base}/events`);
    const endedReader = ended.body!.getReader();
    await endedReader.read();
    openStreams.at(-1)!.end('data: last\n\n');
    let rest = '';
    for (;;) {
      const { value, done } = await endedReader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(rest).toContain('data: last');
  });

  it('errors an event stream with an AbortError when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const res = await fetchNode(`${base}/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await expect((async () => { for (;;) if ((await reader.read()).done) return; })()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetchNode(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
