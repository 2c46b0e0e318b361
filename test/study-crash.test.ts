// Kill -9 the real server mid-study, restart it on the same database, resume: every task ends
// with exactly one success row, none is run twice after its success, nothing is lost.
import { createClient } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai';
import { startServer, type ServerProcess } from './support/server';
import { waitFor } from './support/wait';

describe('a study survives SIGKILL of the server', () => {
  let fake: FakeOpenAI;
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    fake = await startFakeOpenAI({ latencyMs: 80 });
    dir = mkdtempSync(join(tmpdir(), 'study-crash-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes after a restart with no duplicate and no lost row', async () => {
    const env = { DATABASE_URL: `file:${join(dir, 'study.db')}`, OPENAI_API_KEY: 'sk-crash-test', OPENAI_BASE_URL: fake.url };
    const first = await startServer(env);
    servers.push(first);
    const json = async (res: Response) => (await res.json()) as Record<string, any>;
    const created = await json(
      await fetch(`${first.base}/api/v1/studies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          items: Array.from({ length: 60 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}` })),
          targets: [{ provider: 'openai', model: 'gpt-test', params: { temperature: 1 } }],
          samples: 3,
          concurrency: 8,
        }),
      }),
    );
    const id = created.id as number;
    expect(created.total).toBe(180);
    await waitFor(async () => json(await fetch(`${first.base}/api/v1/studies/${id}`)), (p) => p.done >= 40);
    await first.kill('SIGKILL');
    const requestsBeforeKill = fake.requestCount;

    const second = await startServer(env);
    servers.push(second);
    const interrupted = await json(await fetch(`${second.base}/api/v1/studies/${id}`));
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.done).toBeGreaterThanOrEqual(40);
    expect(interrupted.done).toBeLessThan(180);

    const resumed = await fetch(`${second.base}/api/v1/studies/${id}/resume`, { method: 'POST' });
    expect(resumed.status).toBe(202);
    const finished = await waitFor(async () => json(await fetch(`${second.base}/api/v1/studies/${id}`)), (p) => p.status !== 'running');
    expect(finished).toMatchObject({ status: 'completed', total: 180, done: 180, failed: 0 });
    // resume sent only what had no success row: at most the calls in flight at the kill are repeated
    expect(fake.requestCount - requestsBeforeKill).toBe(180 - interrupted.done);
    await second.kill();

    const db = createClient({ url: env.DATABASE_URL });
    const perTask = await db.execute({
      sql: `SELECT batch_task_id AS task, sum(status = 'success') AS ok
              FROM raw_calls WHERE json_extract(metadata_json, '$.batch_id') = ? GROUP BY task`,
      args: [id],
    });
    expect(perTask.rows).toHaveLength(180);
    expect(perTask.rows.every((r) => Number(r.ok) === 1)).toBe(true);
    const tasks = await db.execute({ sql: "SELECT count(*) AS n FROM batch_tasks WHERE batch_id = ? AND status = 'success'", args: [id] });
    expect(Number(tasks.rows[0]!.n)).toBe(180);
    const members = await db.execute({ sql: 'SELECT count(*) AS n FROM group_members WHERE group_id = ?', args: [id] });
    expect(Number(members.rows[0]!.n)).toBe(180);
    db.close();
  }, 90_000);
});
