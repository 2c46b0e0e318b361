// The Worker's Cron Trigger in local workerd (`wrangler dev --test-scheduled`, over sqld): its
// scheduled() handler starts a scheduled study's due re-run through the local queue, once per slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWorker, WORKER_BEARER, type LocalWorker } from '../support/local-worker';
import { waitFor } from '../support/wait';

describe('the Cron Trigger of the Workers build in local workerd', () => {
  let w: LocalWorker;
  beforeAll(async () => {
    w = await startLocalWorker(['STUDY_SCHEDULE_MIN_EVERY=1m']);
  }, 120_000);
  afterAll(() => w?.stop(), 30_000);

  const bearer = WORKER_BEARER;
  const call = (path: string, init?: RequestInit) => w.call(path, init);
  const postJson = (path: string, body: unknown) => w.postJson(path, body);
  const rows = (sql: string, args?: (string | number)[]) => w.rows(sql, args);

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
    expect(w.output.join('')).toMatch(/QUEUE study-batches \d+\/\d+/);
    // The slot is taken: firing again starts nothing more.
    await call('/__scheduled?cron=*+*+*+*+*');
    expect(await rows('SELECT group_id FROM batches WHERE series_id = ?', [study.id])).toHaveLength(1);
    expect(Date.parse(String((await rows('SELECT next_run_at FROM batches WHERE group_id = ?', [study.id]))[0]!.next_run_at))).toBeGreaterThan(Date.now());
  }, 90_000);
});
