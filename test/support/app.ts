// Builds the real app over a fresh libSQL file in a temp folder, capturing log lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { bootstrap } from '../../src/bootstrap';
import { enforceContract } from './contract';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: Awaited<ReturnType<typeof bootstrap>>;
  logs: string[];
  dir: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): void;
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'study-test-'));
  const logs: string[] = [];
  const deps = await bootstrap(
    { DATABASE_URL: `file:${join(dir, 'study.db')}`, RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '50', ...env },
    { log: (line) => logs.push(line) },
  );
  const app = createApp(deps);
  enforceContract(app, deps);
  return {
    app,
    deps,
    logs,
    dir,
    get: (path, headers) => Promise.resolve(app.request(path, { headers })),
    post: (path, body, headers) =>
      Promise.resolve(
        app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    close() {
      deps.database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of every table as one string, to prove a secret was never written anywhere. */
export async function dumpDatabase(t: TestApp): Promise<string> {
  const client = t.deps.database.client;
  const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
  const parts: string[] = [];
  for (const row of tables.rows) {
    const result = await client.execute(`SELECT * FROM "${String(row.name)}"`);
    parts.push(JSON.stringify(result.rows));
  }
  return parts.join('\n');
}

export async function countCalls(t: TestApp): Promise<number> {
  const result = await t.deps.database.client.execute('SELECT count(*) AS n FROM raw_calls');
  return Number(result.rows[0]!.n);
}

/** Serves an app on a free loopback port, for clients that need real HTTP (the openai SDK, fetch streams). */
export async function serveApp(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ base: string; close(): Promise<void> }> {
  const { serve } = await import('@hono/node-server');
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
