// Two servers on one libSQL server (sqld) checking the same due schedules at the same moment: each
// slot is claimed by one compare-and-set UPDATE, so every slot of every study gets exactly one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import { startDueRuns } from '../../src/studies/series/scheduler';
import { createTestApp, type TestApp } from '../support/app';
import { startSqld, type Sqld } from '../support/sqld';
import { waitFor } from '../support/wait';

const STUDIES = 4;
const SLOTS = 3;
const MINUTE = 60_000;

describe('two schedulers racing on one sqld', () => {
  let dir: string;
  let sqld: Sqld;
  let servers: [TestApp, TestApp];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-schedule-sqld-'));
    sqld = await startSqld(dir);
    const env = { DATABASE_URL: sqld.url, DATABASE_AUTH_TOKEN: sqld.authToken, STUDY_SCHEDULE_MIN_EVERY: '1m' };
    servers = [await createTestApp(env), await createTestApp(env)];
  }, 120_000);
  afterAll(async () => {
    for (const server of servers ?? []) server.close();
    await sqld?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start exactly one run per due slot between them', async () => {
    const [a, b] = servers;
    const ids: number[] = [];
    for (let i = 0; i < STUDIES; i++) {
      const res = await a.post('/api/v1/studies', { name: `s${i}`, items: [{ prompt: `p${i}` }], targets: [{ provider: 'echo' }], schedule: { every: '1m' } });
      expect(res.status).toBe(202);
      ids.push((await res.json()).id);
    }
    const dueAt = async (id: number) => Date.parse((await (await b.get(`/api/v1/studies/${id}`)).json()).schedule.next_run_at);
    const last = Math.max(...(await Promise.all(ids.map(dueAt))));
    const started = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const now = new Date(last + slot * MINUTE);
      // Both servers, three checks each, all at once.
      const checks = [a, b, a, b, a, b].map((server) => startDueRuns({ ctx: serviceContext(server.deps) }, now));
      started.push(...(await Promise.all(checks)).flat());
    }
    expect(started).toHaveLength(STUDIES * SLOTS);
    const runs = await sqld.client.execute('SELECT series_id, scheduled_for, count(*) AS n FROM batches WHERE series_id IS NOT NULL GROUP BY series_id, scheduled_for');
    expect(runs.rows).toHaveLength(STUDIES * SLOTS);
    expect(runs.rows.every((row) => Number(row.n) === 1)).toBe(true);
    expect([...a.logs, ...b.logs].filter((line) => line.includes('scheduled_run_error'))).toEqual([]);
    for (const run of started) await waitFor(async () => (await a.get(`/api/v1/studies/${run.run}`)).json(), (p) => p.status === 'completed', 20_000);
  }, 60_000);
});
