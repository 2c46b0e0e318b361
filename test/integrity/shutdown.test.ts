// Stopping the real server (`npm start`) with SIGTERM loses nothing: calls in flight finish and are
// captured, running batches are left interrupted and resume to exactly one success per task; after
// SHUTDOWN_GRACE_MS what is left is cancelled and captured as failed; a second signal exits at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';

/** The node process serving (npm sits above it); signals go to it alone, as Docker's would. */
function serverPid(server: ServerProcess): number {
  const line = server.output.join('').split('\n').find((l) => l.includes('"server_started"'));
  return JSON.parse(line!).pid;
}

const exitCode = (server: ServerProcess) =>
  new Promise<number | null>((resolve) => (server.child.exitCode !== null ? resolve(server.child.exitCode) : server.child.once('exit', (code) => resolve(code))));

describe('graceful shutdown', () => {
  let dir: string;
  let fake: FakeOpenAI;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-shutdown-'));
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const envFor = (name: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: `file:${join(dir, `${name}.db`)}`,
    OPENAI_API_KEY: 'sk-shutdown-test',
    OPENAI_BASE_URL: fake.url,
    RETRY_MAX_ATTEMPTS: '1',
    ...extra,
  });
  const start = async (env: Record<string, string>) => {
    const server = await startServer(env);
    servers.push(server);
    return server;
  };
  const json = async (res: Response) => (await res.json()) as Record<string, any>;

  it('lets calls in flight finish and be captured, mid-batch and mid-stream, then exits 0; the batch resumes exactly', async () => {
    fake.reset();
    fake.setLatency(400);
    fake.setStreamChunkDelay(80);
    const env = envFor('mid-batch');
    const first = await start(env);
    const { id } = await json(
      await fetch(`${first.base}/api/v1/studies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: Array.from({ length: 30 }, (_, i) => ({ prompt: `item ${i}` })), targets: [{ provider: 'openai', model: 'gpt-test' }], concurrency: 4 }),
      }),
    );
    await waitFor(async () => json(await fetch(`${first.base}/api/v1/studies/${id}`)), (p) => p.done >= 4);
    // A streamed answer in flight: its first chunk has arrived when the signal comes.
    const streamed = await fetch(`${first.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-test', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven eight' }] }),
    });
    const reader = streamed.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);

    process.kill(serverPid(first), 'SIGTERM');
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    expect(await exitCode(first)).toBe(0);
    // The stream was allowed to finish.
    expect(text).toContain('data: [DONE]');
    expect(first.output.join('')).toContain('"shutdown_complete"');

    const db = createClient({ url: env.DATABASE_URL });
    const rows = Number((await db.execute('SELECT count(*) FROM raw_calls')).rows[0]![0]);
    // Every call that reached the provider has its row.
    expect(rows).toBe(fake.requestCount);
    const streamRow = (await db.execute("SELECT status FROM raw_calls WHERE json_extract(metadata_json, '$.stream') = 1")).rows[0]!;
    expect(streamRow.status).toBe('success');
    const batch = (await db.execute({ sql: 'SELECT status, status_reason FROM batches WHERE group_id = ?', args: [id] })).rows[0]!;
    expect(batch).toMatchObject({ status: 'interrupted', status_reason: expect.stringContaining('shut down') });
    db.close();

    fake.setLatency(0);
    const second = await start(env);
    expect((await json(await fetch(`${second.base}/api/v1/studies/${id}`))).status).toBe('interrupted');
    expect((await fetch(`${second.base}/api/v1/studies/${id}/resume`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => json(await fetch(`${second.base}/api/v1/studies/${id}`)), (p) => p.status === 'completed');
    await second.kill();
    const check = createClient({ url: env.DATABASE_URL });
    const perTask = await check.execute({
      sql: `SELECT t.id, (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id AND c.status = 'success') AS ok FROM batch_tasks t WHERE t.batch_id = ?`,
      args: [id],
    });
    expect(perTask.rows).toHaveLength(30);
    expect(perTask.rows.every((r) => Number(r.ok) === 1)).toBe(true);
    expect(Number((await check.execute('SELECT count(*) FROM raw_calls')).rows[0]![0])).toBe(fake.requestCount);
    check.close();
  }, 60_000);

  it('cancels what is left near the end of SHUTDOWN_GRACE_MS, captures it as failed, and is done within it, exit 0', async () => {
    fake.reset();
    fake.setLatency(20_000);
    const env = envFor('grace', { SHUTDOWN_GRACE_MS: '1000' });
    const server = await start(env);
    const pending = fetch(`${server.base}/api/v1/inference`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', model: 'gpt-test', prompt: 'never answered' }),
    });
    await waitFor(async () => fake.requestCount, (n) => n === 1);
    process.kill(serverPid(server), 'SIGTERM');
    const answer = await json(await pending);
    expect(answer.calls[0]).toMatchObject({ status: 'failed', error: { class: 'ServerShutdown' } });
    expect(await exitCode(server)).toBe(0);
    // The server's own clock, from taking the signal to the last step before exit.
    const loggedAt = (event: string) => Date.parse(JSON.parse(server.output.join('').split('\n').find((l) => l.includes(`"${event}"`))!).time);
    expect(loggedAt('shutdown_complete') - loggedAt('shutdown_started')).toBeLessThanOrEqual(1000);
    const db = createClient({ url: env.DATABASE_URL });
    const rows = await db.execute("SELECT status, json_extract(error_json, '$.class') AS class FROM raw_calls");
    expect(rows.rows.map((r) => [r.status, r.class])).toEqual([['failed', 'ServerShutdown']]);
    db.close();
  }, 30_000);

  it('answers every one of 200 streams sent up to SIGTERM, and those sent after it: finished and captured, or 503 with connection: close; none reset', async () => {
    fake.reset();
    fake.setStreamChunkDelay(150);
    const env = envFor('stream-storm');
    const server = await start(env);
    const outcome = async (sent: Promise<Response>): Promise<string> => {
      try {
        const res = await sent;
        if (res.status === 503) {
          const body = await json(res);
          return body.error?.code === 'shutting_down' && res.headers.get('connection') === 'close' ? '503' : `503 without close: ${JSON.stringify(body)}`;
        }
        const text = await res.text();
        return res.status === 200 && text.includes('data: [DONE]') ? 'finished' : `${res.status} cut short`;
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return cause?.code ?? cause?.message ?? String(error);
      }
    };
    const stream = () =>
      fetch(`${server.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-test', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }] }),
      });
    // 200 streams at once; the signal comes as the first reaches the provider, while the server is
    // still reading (or has yet to accept) the others.
    const before = Array.from({ length: 200 }, () => outcome(stream()));
    await waitFor(async () => fake.requestCount, (n) => n >= 1, 10_000, 5);
    const signalledAt = Date.now();
    process.kill(serverPid(server), 'SIGTERM');
    // A signal is handled when the server's event loop gets to it: "after" is after it has.
    await waitFor(async () => server.output.join(''), (out) => out.includes('"shutdown_started"'), 10_000, 10);
    const after = Array.from({ length: 20 }, () => outcome(stream()));
    const counts = (outcomes: string[]) => {
      const n: Record<string, number> = {};
      for (const o of outcomes) n[o] = (n[o] ?? 0) + 1;
      return n;
    };
    const sentBefore = counts(await Promise.all(before));
    const sentAfter = counts(await Promise.all(after));
    expect(await exitCode(server)).toBe(0);
    const exitedAfterMs = Date.now() - signalledAt;
    console.log('200 streams sent before SIGTERM:', sentBefore, '· 20 sent after:', sentAfter, `· exited ${exitedAfterMs} ms after the signal`);
    expect(Object.keys(sentBefore).filter((o) => o !== 'finished' && o !== '503')).toEqual([]);
    expect(sentAfter).toEqual({ '503': 20 });
    const db = createClient({ url: env.DATABASE_URL });
    const rows = await db.execute("SELECT status, count(*) AS n FROM raw_calls GROUP BY status");
    db.close();
    // Every stream that reached the provider has its row, and every finished one is a success.
    expect(rows.rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(fake.requestCount);
    expect(Number(rows.rows.find((r) => r.status === 'success')?.n ?? 0)).toBe(sentBefore.finished ?? 0);
  }, 60_000);

  it('exits at once on a second signal', async () => {
    fake.reset();
    fake.setLatency(20_000);
    const server = await start(envFor('second-signal', { SHUTDOWN_GRACE_MS: '60000' }));
    void fetch(`${server.base}/api/v1/inference`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', model: 'gpt-test', prompt: 'slow' }),
    }).catch(() => undefined);
    await waitFor(async () => fake.requestCount, (n) => n === 1);
    const pid = serverPid(server);
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1200));
    expect(server.child.exitCode).toBeNull();
    process.kill(pid, 'SIGTERM');
    expect(await exitCode(server)).toBe(1);
    expect(server.output.join('')).toContain('"shutdown_forced"');
  }, 30_000);
});
