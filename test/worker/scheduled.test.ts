// The Worker's Cron Trigger in local workerd (`wrangler dev --test-scheduled`, over sqld): its
// scheduled() handler starts a scheduled study's due re-run through the local queue, once per slot.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAssets } from '../../scripts/build-assets';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { freePort } from '../support/process';
import { startSqld, type Sqld } from '../support/sqld';
import { waitFor } from '../support/wait';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACCESS_TOKEN = 'worker-access-token-5d8e1f';
const FAKE_KEY = 'sk-worker-fake-key-9a7b6c';

describe('the Cron Trigger of the Workers build in local workerd', () => {
  let dir: string;
  let sqld: Sqld;
  let fake: FakeOpenAI;
  let wrangler: ChildProcess | undefined;
  let exited: Promise<void>;
  const output: string[] = [];
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-workerd-'));
    [sqld, fake] = await Promise.all([startSqld(dir), startFakeOpenAI()]);
    // The worker never migrates at request time: the database is prepared first, as the README says
    // for Turso (`npm run db:migrate` with the database's URL and token).
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
        `STUDY_ACCESS_TOKEN=${ACCESS_TOKEN}`,
        `LLM_ENDPOINT_FAKE_BASE_URL=${fake.url}`,
        `LLM_ENDPOINT_FAKE_API_KEY=${FAKE_KEY}`,
        'LLM_ENDPOINT_FAKE_MODELS=gpt-fake',
        'RETRY_BASE_DELAY_MS=5',
        'STUDY_SCHEDULE_MIN_EVERY=1m',
        '',
      ].join('\n'),
    );
    const [port, inspectorPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    // wrangler 4.86 takes vars from --env-file (kept out of the process list, unlike --var).
    wrangler = spawn(
      'npx',
      ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
        '--env-file', envFile, '--persist-to', join(dir, 'state'), '--show-interactive-dev-session=false', '--test-scheduled', '--log-level', 'log'],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: join(dir, 'xdg'), FORCE_COLOR: '0' },
      },
    );
    wrangler.stdout!.on('data', (d) => output.push(String(d)));
    wrangler.stderr!.on('data', (d) => output.push(String(d)));
    exited = new Promise((resolve) => wrangler!.once('exit', () => resolve()));
    await waitFor(
      async () => {
        if (wrangler!.exitCode !== null) throw new Error(`wrangler dev exited:\n${output.join('')}`);
        return fetch(`${base}/api/v1/health`).then((r) => r.status, () => 0);
      },
      (status) => status === 200,
      60_000,
      200,
    );
  }, 120_000);

  afterAll(async () => {
    if (wrangler?.pid && wrangler.exitCode === null) {
      try {
        process.kill(-wrangler.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!killed) {
        try {
          process.kill(-wrangler.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all([sqld?.close(), fake?.close()]);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const bearer = { authorization: `Bearer ${ACCESS_TOKEN}` };
  const responses: string[] = [];
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
    const text = await res.text();
    responses.push(text);
    return { res, text, json: () => JSON.parse(text) };
  };
  const postJson = (path: string, body: unknown) =>
    call(path, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const rows = async (sql: string, args: (string | number)[] = []) => (await sqld.client.execute({ sql, args })).rows;

  it('starts a due re-run through the queue when the cron fires, and not again for the same slot', async () => {
    const created = await postJson('/api/v1/studies', {
      name: 'worker schedule',
      items: [{ prompt: 'a' }, { prompt: 'b' }],
      targets: [{ provider: 'fake', model: 'gpt-fake' }],
      schedule: { every: '1m' },
    });
    expect(created.res.status, created.text).toBe(202);
    const study = created.json();
    await waitFor(async () => (await call(`/api/v1/studies/${study.id}`, { headers: bearer })).json(), (p) => p.status === 'completed', 30_000);
    // Not due yet: the cron starts nothing.
    const early = await call('/__scheduled?cron=*+*+*+*+*');
    expect(early.res.status).toBe(200);
    expect(await rows('SELECT group_id FROM batches WHERE series_id = ?', [study.id])).toHaveLength(0);
    // The slot comes due (as a week passing would leave it): the next cron starts its run.
    const due = new Date(Date.now() - 1000).toISOString();
    await rows('UPDATE batches SET next_run_at = ? WHERE group_id = ?', [due, study.id]);
    const fired = await call('/__scheduled?cron=*+*+*+*+*');
    expect(fired.res.status).toBe(200);
    const [run] = await waitFor(() => rows('SELECT group_id, scheduled_for, rerun_of FROM batches WHERE series_id = ?', [study.id]), (r) => r.length === 1, 20_000);
    expect(run).toMatchObject({ scheduled_for: due, rerun_of: study.id });
    const progress = await waitFor(async () => (await call(`/api/v1/studies/${run!.group_id}`, { headers: bearer })).json(), (p) => p.status === 'completed', 30_000);
    expect(progress).toMatchObject({ total: 2, done: 2, rerun_of: study.id, series_id: study.id });
    expect(output.join('')).toMatch(/QUEUE study-batches \d+\/\d+/);
    // The slot is taken: firing again starts nothing more.
    await call('/__scheduled?cron=*+*+*+*+*');
    expect(await rows('SELECT group_id FROM batches WHERE series_id = ?', [study.id])).toHaveLength(1);
    expect(Date.parse(String((await rows('SELECT next_run_at FROM batches WHERE group_id = ?', [study.id]))[0]!.next_run_at))).toBeGreaterThan(Date.now());
  }, 90_000);
});
