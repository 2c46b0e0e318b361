// Scheduled studies on Node: a study with "schedule": {"every": "1m"} runs again when due — the timer
// of the Node server (node/schedule-timer.ts) against a clock the test moves — once per slot, across
// a restart (the timer stopped, a new server started on the same database), none lost, none doubled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { bootstrap } from '../../src/bootstrap';
import { serviceContext, type AppDeps } from '../../src/deps';
import { startScheduleTimer, type ScheduleTimer } from '../../src/node/schedule-timer';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { AppError } from '../../src/errors';
import { startDueRuns } from '../../src/studies/series/scheduler';

const MINUTE = 60_000;
const CHECK_MS = 15;
const ENV = { STUDY_SCHEDULE_MIN_EVERY: '1m' };

describe('scheduled studies on Node', () => {
  let t: TestApp;
  let clock: Date;
  const now = () => clock;
  const rows = async (sql: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql, args })).rows.map((r) => ({ ...r }));
  const runsOf = (id: number) => rows('SELECT group_id, scheduled_for, rerun_of, series_id FROM batches WHERE series_id = ? ORDER BY group_id', [id]);
  const timerOn = (deps: AppDeps): ScheduleTimer => startScheduleTimer({ ctx: serviceContext(deps), scoring: deps.scoring }, { everyMs: CHECK_MS, now });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    t = await createTestApp(ENV);
  });
  afterAll(() => t.close());

  it('refuses a schedule shorter than STUDY_SCHEDULE_MIN_EVERY, or not a period, naming schedule.every', async () => {
    const study = { items: [{ prompt: 'hi' }], targets: [{ provider: 'echo' }] };
    for (const every of ['30s', '0m', '1w', '7', '367d']) {
      const res = await t.post('/api/v1/studies', { ...study, schedule: { every } });
      expect(res.status, every).toBe(400);
      expect((await res.json()).error.message).toMatch(/^schedule\.every: /);
    }
    const strict = await createTestApp();
    try {
      const res = await strict.post('/api/v1/studies', { ...study, schedule: { every: '30m' } });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: 'limit_exceeded', message: expect.stringContaining('STUDY_SCHEDULE_MIN_EVERY') });
      expect((await strict.deps.database.client.execute('SELECT count(*) AS n FROM batches')).rows[0]!.n).toBe(0);
    } finally {
      strict.close();
    }
  });

  it('fires on time, once per slot, and a restart in between neither loses nor doubles a run', async () => {
    const created = await t.post('/api/v1/studies', { name: 'weekly', items: [{ prompt: 'one' }, { prompt: 'two' }], targets: [{ provider: 'echo' }], schedule: { every: '1m' } });
    expect(created.status, await created.clone().text()).toBe(202);
    const study = await created.json();
    expect(study.schedule.every).toBe('1m');
    const first = Date.parse(study.schedule.next_run_at);
    expect(first - Date.parse(study.created_at)).toBeGreaterThanOrEqual(MINUTE - 1000);
    const slot = (k: number) => new Date(first + k * MINUTE).toISOString();

    // Just before the slot: nothing, however many checks run.
    clock = new Date(first - 1);
    const a = timerOn(t.deps);
    await pause(CHECK_MS * 8);
    expect(await runsOf(study.id)).toEqual([]);
    // At the slot: one re-run, recording the slot it fills; the next slot is a period later.
    clock = new Date(first);
    const [run] = await waitFor(() => runsOf(study.id), (runs) => runs.length === 1);
    expect(run).toMatchObject({ scheduled_for: slot(0), rerun_of: study.id, series_id: study.id });
    expect((await (await t.get(`/api/v1/studies/${study.id}`)).json()).schedule.next_run_at).toBe(slot(1));
    await pause(CHECK_MS * 8);
    expect(await runsOf(study.id)).toHaveLength(1);

    // The server stops; the next slot comes due while it is down.
    await a.stop();
    clock = new Date(first + MINUTE + 5_000);
    await pause(CHECK_MS * 4);
    expect(await runsOf(study.id)).toHaveLength(1);
    // A new server on the same database runs the missed slot as soon as it starts.
    const restarted = await bootstrap({ DATABASE_URL: `file:${join(t.dir, 'study.db')}`, ...ENV }, { log: () => undefined });
    createApp(restarted);
    const b = timerOn(restarted);
    try {
      await waitFor(() => runsOf(study.id), (runs) => runs.length === 2);
      clock = new Date(first + 2 * MINUTE);
      await waitFor(() => runsOf(study.id), (runs) => runs.length === 3);
      await pause(CHECK_MS * 8);
      const runs = await runsOf(study.id);
      expect(runs.map((r) => r.scheduled_for)).toEqual([slot(0), slot(1), slot(2)]);
      // Each is a complete run of its own.
      for (const r of runs) {
        const progress = await waitFor(async () => (await t.get(`/api/v1/studies/${r.group_id}`)).json(), (p) => p.status === 'completed');
        expect(progress).toMatchObject({ total: 2, done: 2, rerun_of: study.id, series_id: study.id, schedule: null });
      }
    } finally {
      await b.stop();
      await (restarted.studies as { idle?: () => Promise<void> }).idle?.();
      restarted.database.close();
    }
  });

  it('moves on past a slot whose run was made but could not start, instead of trying it again on every check', async () => {
    // An app of its own: the failed start logs an error the other tests would count.
    const own = await createTestApp(ENV);
    try {
    const created = await own.post('/api/v1/studies', { name: 'queue down', items: [{ prompt: 'one' }], targets: [{ provider: 'echo' }], schedule: { every: '1m' } });
    const study = await created.json();
    const due = Date.parse(study.schedule.next_run_at);
    const slot = (k: number) => new Date(due + k * MINUTE).toISOString();
    const ctx = serviceContext(own.deps);
    const studies = Object.create(ctx.studies);
    studies.launch = async () => {
      throw new AppError(503, 'unavailable', 'the queue is down');
    };
    expect(await startDueRuns({ ctx: { ...ctx, studies } }, new Date(due))).toEqual([]);
    const runsOfOwn = async () => (await own.deps.database.client.execute({ sql: 'SELECT scheduled_for FROM batches WHERE series_id = ?', args: [study.id] })).rows.map((r) => r.scheduled_for);
    expect(await runsOfOwn()).toEqual([slot(0)]);
    expect((await (await own.get(`/api/v1/studies/${study.id}`)).json()).schedule.next_run_at).toBe(slot(1));
    // The next check at the same moment has nothing due; the made run can be resumed.
    expect(await startDueRuns({ ctx }, new Date(due))).toEqual([]);
    expect(await runsOfOwn()).toHaveLength(1);
    } finally {
      own.close();
    }
  });

  it('schedules a study after it was made, on its first run whichever run is named, and stops it', async () => {
    const { id } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'later' }], targets: [{ provider: 'echo' }] })).json();
    const rerun = await (await t.post(`/api/v1/studies/${id}/rerun`, {})).json();
    const put = (every: unknown) =>
      t.app.request(`/api/v1/studies/${rerun.id}/schedule`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ every }) });
    expect((await put('30s')).status).toBe(400);
    const before = Date.now();
    const scheduled = await put('2h');
    expect(scheduled.status).toBe(200);
    const first = await scheduled.json();
    expect(first.id).toBe(id);
    expect(Date.parse(first.schedule.next_run_at) - before).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect((await (await t.get(`/api/v1/studies/${rerun.id}`)).json()).schedule).toBeNull();
    // Stopped: a scheduler at any later time starts nothing for it.
    const stopped = await t.app.request(`/api/v1/studies/${id}/schedule`, { method: 'DELETE' });
    expect((await stopped.json()).schedule).toBeNull();
    clock = new Date(Date.now() + 30 * 86_400_000);
    const timer = timerOn(t.deps);
    await pause(CHECK_MS * 6);
    await timer.stop();
    expect((await runsOf(id)).map((r) => r.group_id)).toEqual([rerun.id]);
  });

  it('lets two schedulers on one database check at the same moment and start one run per slot', async () => {
    const { id } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], schedule: { every: '2m' } })).json();
    const due = (await rows('SELECT next_run_at FROM batches WHERE group_id = ?', [id]))[0]!.next_run_at as string;
    clock = new Date(Date.parse(due) + 1);
    const otherLogs: string[] = [];
    const other = await bootstrap({ DATABASE_URL: `file:${join(t.dir, 'study.db')}`, ...ENV }, { log: (line) => otherLogs.push(line) });
    const timers = [timerOn(t.deps), timerOn(other), timerOn(t.deps), timerOn(other)];
    try {
      await waitFor(() => runsOf(id), (runs) => runs.length >= 1);
      await pause(CHECK_MS * 8);
      expect((await runsOf(id)).map((r) => r.scheduled_for)).toEqual([due]);
      // Decided by the claim, not by the unique index under it: no scheduler even tried to create a second run.
      expect([...t.logs, ...otherLogs].filter((line) => line.includes('scheduled_run_error'))).toEqual([]);
      expect(await rows("SELECT id FROM groups g WHERE group_type = 'batch' AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.group_id = g.id)")).toEqual([]);
    } finally {
      await Promise.all(timers.map((timer) => timer.stop()));
      await (other.studies as { idle?: () => Promise<void> }).idle?.();
      other.database.close();
    }
  });
});
