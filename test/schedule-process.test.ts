// The real server (`npm start`) starts a scheduled study's due runs on its own timer, and a stop and
// a start in between lose no slot and double none: a slot that came due while it was down runs once
// the next server is up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './support/server';
import { waitFor } from './support/wait';

describe('scheduled studies in the server process', () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let db: Client;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'study-schedule-process-'));
    env = { DATABASE_URL: `file:${join(dir, 'study.db')}`, STUDY_SCHEDULE_MIN_EVERY: '1m', STUDY_SCHEDULE_CHECK_MS: '100' };
  });
  afterAll(async () => {
    await server?.kill();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Makes the study's next slot due now (as a week passing would), answering that slot. */
  const comeDue = async (id: number) => {
    const slot = new Date(Date.now() - 1000).toISOString();
    await db.execute({ sql: 'UPDATE batches SET next_run_at = ? WHERE group_id = ?', args: [slot, id] });
    return slot;
  };
  const slotsRun = async (id: number) =>
    (await db.execute({ sql: 'SELECT scheduled_for FROM batches WHERE series_id = ? ORDER BY group_id', args: [id] })).rows.map((row) => row.scheduled_for);

  it('runs each due slot once, across a restart', async () => {
    server = await startServer(env);
    db = createClient({ url: env.DATABASE_URL! });
    const res = await fetch(`${server.base}/api/v1/studies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'process schedule', items: [{ prompt: 'tick' }], targets: [{ provider: 'echo' }], schedule: { every: '1m' } }),
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    const first = await comeDue(id);
    await waitFor(() => slotsRun(id), (slots) => slots.length === 1, 10_000);
    // Stopped; the next slot comes due while no server runs.
    await server.kill();
    server = undefined;
    const second = await comeDue(id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await slotsRun(id)).toEqual([first]);
    server = await startServer(env, { prebuilt: true });
    await waitFor(() => slotsRun(id), (slots) => slots.length === 2, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await slotsRun(id)).toEqual([first, second]);
    const runs = await (await fetch(`${server.base}/api/v1/studies/${id}/runs`)).json();
    expect(runs.runs).toHaveLength(3);
    expect(server.output.join('')).toContain('"event":"scheduled_run_started"');
  }, 120_000);
});
