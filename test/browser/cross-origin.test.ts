// A web page on another local origin, open in the researcher's browser, cannot make the app (open
// mode: no token) call a provider or change anything: real Chromium tries what such a page can do.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls } from '../support/app';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const attackerPage = (app: string) => `<!doctype html><html><body><h1>cat pictures</h1>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="post" action="${app}/inference" target="sink"><input name="provider" value="openai"><input name="prompt" value="form"></form>
<script>
  const chat = JSON.stringify({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'spend' }] });
  const results = {};
  const attempt = (name, promise) => promise.then((r) => (results[name] = r && r.type === 'opaque' ? 'opaque' : String(r && r.status)), (e) => (results[name] = 'error'));
  Promise.all([
    attempt('no-cors text/plain', fetch('${app}/v1/chat/completions', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: chat })),
    attempt('cors json', fetch('${app}/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat })),
    attempt('no-cors cancel', fetch('${app}/api/v1/studies/1/cancel', { method: 'POST', mode: 'no-cors' })),
    attempt('beacon', Promise.resolve(navigator.sendBeacon('${app}/api/v1/inference', new Blob([JSON.stringify({ provider: 'openai', prompt: 'beacon' })], { type: 'text/plain' })))),
  ]).then(() => {
    document.getElementById('f').submit();
    setTimeout(() => { document.title = 'done ' + JSON.stringify(results); }, 500);
  });
</script></body></html>`;

describe('a page on another local origin (headless Chromium, open mode)', () => {
  let fake: FakeOpenAI;
  let h: BrowserHarness;
  let attacker: Server;
  let attackerBase: string;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    h = await startBrowserHarness({ OPENAI_API_KEY: 'sk-cross-origin-test', OPENAI_BASE_URL: fake.url });
    // Another origin on this machine: same address, another port, and another host name.
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage(h.base)));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerBase = `http://localhost:${(attacker.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    attacker?.close();
    await fake?.close();
  });

  it('can make it call no provider and store nothing', async () => {
    // A batch the page tries to cancel.
    await h.t.post('/api/v1/studies', { items: [{ prompt: 'p' }], targets: [{ provider: 'echo' }] });
    await waitFor(async () => (await h.t.get('/api/v1/studies/1')).json(), (p) => p.status === 'completed');
    const callsBefore = await countCalls(h.t);
    await h.page.goto(attackerBase);
    await h.page.waitForFunction(() => document.title.startsWith('done'), undefined, { timeout: 15_000 });
    const results = JSON.parse((await h.page.title()).slice('done '.length));
    // The CORS request is blocked by the browser itself (no CORS_ORIGINS); the rest reach the server and are refused.
    expect(results['cors json']).toBe('error');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requestCount).toBe(0);
    expect(await countCalls(h.t)).toBe(callsBefore);
    expect((await (await h.t.get('/api/v1/studies/1')).json()).status).toBe('completed');
    await h.screenshot('cross-origin-attacker-page');
  });
});
