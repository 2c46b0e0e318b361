// The Workers build booted in local workerd by `wrangler dev` (with its local queue and
// --test-scheduled), over a real libSQL server (sqld, with Turso-style JWT auth) migrated first as
// the README says for Turso, and a fake OpenAI-compatible provider named "fake".
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '@libsql/client';
import { buildAssets } from '../../scripts/build-assets';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai';
import { freePort } from './process';
import { startSqld, type Sqld } from './sqld';
import { waitFor } from './wait';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WORKER_ACCESS_TOKEN = 'worker-access-token-5d8e1f';
export const WORKER_FAKE_KEY = 'sk-worker-fake-key-9a7b6c';
export const WORKER_BEARER = { authorization: `Bearer ${WORKER_ACCESS_TOKEN}` };

export interface LocalWorker {
  base: string;
  sqld: Sqld;
  fake: FakeOpenAI;
  /** What wrangler dev printed so far (the worker's logs among it). */
  output: string[];
  /** Every response body read through call(), to check later that no secret was in any. */
  responses: string[];
  call(path: string, init?: RequestInit): Promise<{ res: Response; text: string; json: () => any }>;
  postJson(path: string, body: unknown): ReturnType<LocalWorker['call']>;
  rows(sql: string, args?: (string | number)[]): Promise<Row[]>;
  stop(): Promise<void>;
}

/** Starts it all and waits for health; `vars` are added to the worker's variables (NAME=value). */
export async function startLocalWorker(vars: string[] = []): Promise<LocalWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'study-workerd-'));
  const [sqld, fake] = await Promise.all([startSqld(dir), startFakeOpenAI()]);
  // The worker never migrates at request time: the database is prepared first (`npm run db:migrate`
  // with the database's URL and token).
  execFileSync('npx', ['tsx', 'scripts/migrate.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `${sqld.url.replace('http://', 'libsql://')}?tls=0`, DATABASE_AUTH_TOKEN: sqld.authToken },
    stdio: 'ignore',
    timeout: 60_000,
  });
  buildAssets();
  const envFile = join(dir, 'worker.env');
  writeFileSync(
    envFile,
    [
      `DATABASE_URL=${sqld.url}`,
      `DATABASE_AUTH_TOKEN=${sqld.authToken}`,
      `STUDY_ACCESS_TOKEN=${WORKER_ACCESS_TOKEN}`,
      `LLM_ENDPOINT_FAKE_BASE_URL=${fake.url}`,
      `LLM_ENDPOINT_FAKE_API_KEY=${WORKER_FAKE_KEY}`,
      'LLM_ENDPOINT_FAKE_MODELS=gpt-fake',
      'RETRY_BASE_DELAY_MS=5',
      ...vars,
      '',
    ].join('\n'),
  );
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  // wrangler 4.86 takes vars from --env-file (kept out of the process list, unlike --var).
  const wrangler = spawn(
    'npx',
    ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
      '--env-file', envFile, '--persist-to', join(dir, 'state'), '--test-scheduled', '--show-interactive-dev-session=false', '--log-level', 'log'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: join(dir, 'xdg'), FORCE_COLOR: '0' },
    },
  );
  wrangler.stdout!.on('data', (d) => output.push(String(d)));
  wrangler.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => wrangler.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-wrangler.pid!, name);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (wrangler.pid && wrangler.exitCode === null) {
      signal('SIGTERM');
      const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!ended) signal('SIGKILL');
    }
    await Promise.all([sqld.close(), fake.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited:\n${output.join('')}`);
        return fetch(`${base}/api/v1/health`).then((r) => r.status, () => 0);
      },
      (status) => status === 200,
      60_000,
      200,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const responses: string[] = [];
  const call: LocalWorker['call'] = async (path, init = {}) => {
    const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
    const text = await res.text();
    responses.push(text);
    return { res, text, json: () => JSON.parse(text) };
  };
  return {
    base,
    sqld,
    fake,
    output,
    responses,
    call,
    postJson: (path, body) => call(path, { method: 'POST', headers: { ...WORKER_BEARER, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    rows: async (sql, args = []) => (await sqld.client.execute({ sql, args })).rows,
    stop,
  };
}
