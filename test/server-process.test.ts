// Starts the real server the way the README does (npm start: the build, then node dist/server/node.js) and talks HTTP to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './support/server';

describe('the server process started like `npm start`', () => {
  let server: ServerProcess;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-server-'));
    server = await startServer({ DATABASE_URL: `file:${join(dir, 'study.db')}`, OPENAI_API_KEY: 'sk-never-logged-0000' });
    base = server.base;
  });

  afterAll(async () => {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health, migrates the new database, and captures a call over HTTP', async () => {
    expect(await (await fetch(`${base}/api/v1/health`)).json()).toMatchObject({ ok: true, db: 'ok' });
    const res = await fetch(`${base}/api/v1/inference`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'echo', prompt: 'over real HTTP' }),
    });
    expect(res.status).toBe(200);
    const { calls } = await res.json();
    const detail = await (await fetch(`${base}/api/v1/calls/${calls[0].id}`)).json();
    expect(detail.call.response.text).toBe('echo: over real HTTP');
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    expect((await fetch(`${base}/static/htmx.min.js`)).status).toBe(200);
  });

  it('logs JSON lines and never the configured key', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const lines = server.output.join('').split('\n').filter((l) => l.startsWith('{'));
    expect(lines.some((l) => JSON.parse(l).event === 'server_started')).toBe(true);
    expect(lines.some((l) => JSON.parse(l).event === 'http_request')).toBe(true);
    expect(server.output.join('')).not.toContain('sk-never-logged-0000');
  });
});
