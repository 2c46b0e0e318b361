// 1,000 calls against a provider that randomly fails in every way we know, a SIGKILL of the server
// mid-study, a restart and resumes: afterwards every (item, target, sample) has exactly the rows
// it should, and the server never crashed.
import { createClient } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type Fault, type FakeOpenAI } from '../support/fake-openai';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';

function seededRandom(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

const FAULTS: Array<[number, Fault]> = [
  [0.06, { kind: 'status', status: 500 }],
  [0.05, { kind: 'status', status: 503 }],
  [0.02, { kind: 'status', status: 502 }],
  [0.05, { kind: 'status', status: 429, headers: { 'retry-after-ms': '40' } }],
  [0.02, { kind: 'timeout' }],
  [0.03, { kind: 'malformed-json' }],
  [0.02, { kind: 'reset' }],
  [0.01, { kind: 'cut-stream', afterChunks: 1 }],
];

describe('fault injection: a 1,000-call study through every provider fault and a SIGKILL', () => {
  let fake: FakeOpenAI;
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    fake = await startFakeOpenAI({ latencyMs: 3 });
    const random = seededRandom(42);
    fake.setFaultPolicy(() => {
      let roll = random();
      for (const [p, fault] of FAULTS) {
        if (roll < p) return fault;
        roll -= p;
      }
      return undefined;
    });
    dir = mkdtempSync(join(tmpdir(), 'study-faults-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends with exactly the expected rows for every task', async () => {
    const env = {
      DATABASE_URL: `file:${join(dir, 'study.db')}`,
      LLM_ENDPOINT_FLAKY_BASE_URL: fake.url,
      LLM_ENDPOINT_FLAKY_MODELS: 'flaky-model',
      RETRY_MAX_ATTEMPTS: '3',
      RETRY_BASE_DELAY_MS: '10',
      RETRY_MAX_DELAY_MS: '100',
      PROVIDER_TIMEOUT_MS: '400',
    };
    const json = async (res: Response) => (await res.json()) as Record<string, any>;
    const post = (base: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const progress = async (base: string, id: number) => json(await fetch(`${base}/api/v1/studies/${id}`));

    const first = await startServer(env);
    servers.push(first);
    const created = await json(
      await post(first.base, '/api/v1/studies', {
        name: 'faults',
        items: Array.from({ length: 250 }, (_, i) => ({ id: `item-${i}`, prompt: `fault test ${i}` })),
        targets: [{ provider: 'flaky', model: 'flaky-model', params: { temperature: 1 } }],
        samples: 4,
        concurrency: 32,
      }),
    );
    const id = created.id as number;
    expect(created.total).toBe(1000);
    await waitFor(() => progress(first.base, id), (p) => p.done + p.failed >= 300, 60_000);
    await first.kill('SIGKILL');

    const second = await startServer(env);
    servers.push(second);
    expect((await progress(second.base, id)).status).toBe('interrupted');
    // Resume until every task has a success: the failures left by non-retryable faults are re-run.
    for (let round = 0; round < 6; round++) {
      const resumed = await post(second.base, `/api/v1/studies/${id}/resume`);
      expect(resumed.status).toBe(202);
      const done = await waitFor(() => progress(second.base, id), (p) => p.status !== 'running', 60_000);
      if (done.done === 1000) break;
    }
    const final = await progress(second.base, id);
    expect(final).toMatchObject({ status: 'completed', total: 1000, done: 1000, failed: 0 });
    expect(second.child.exitCode).toBeNull();
    expect((await fetch(`${second.base}/api/v1/health`)).status).toBe(200);
    await second.kill();

    const db = createClient({ url: env.DATABASE_URL });
    const mismatched = await db.execute({
      sql: `SELECT t.id, t.calls, t.status,
                   (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id) AS rows,
                   (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id AND c.status = 'success') AS successes
              FROM batch_tasks t WHERE t.batch_id = ?`,
      args: [id],
    });
    expect(mismatched.rows).toHaveLength(1000);
    const wrong = mismatched.rows.filter((r) => Number(r.successes) !== 1 || Number(r.rows) !== Number(r.calls) || r.status !== 'success');
    expect(wrong).toEqual([]);
    const failures = await db.execute({
      sql: `SELECT json_extract(error_json, '$.class') AS class, count(*) AS n FROM raw_calls
             WHERE status = 'failed' AND json_extract(metadata_json, '$.batch_id') = ? GROUP BY class`,
      args: [id],
    });
    // the run met faults and captured them as failed rows
    expect(failures.rows.length).toBeGreaterThan(0);
    db.close();
  }, 180_000);
});
