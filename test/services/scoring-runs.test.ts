// Who scores a study, seen from another server on the same host: scoring runs record their runner
// like study runs (background-run.ts), so a run whose process was killed shows as interrupted at once
// and a new run may start, while a live one on another process still holds the study.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimScoringRun } from '../../src/studies/scoring/repository';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';

/** A process on this host, and the runner identity it would record. */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const runner = JSON.stringify({ host: hostname(), pid: child.pid, started: Date.now(), instance: crypto.randomUUID() });
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return { runner, kill };
}

describe('scoring runs of another process on this host', () => {
  let t: TestApp;
  let studyId: number;
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.post('/api/v1/studies', { items: [{ prompt: 'a', expected: 'echo: a' }, { prompt: 'b', expected: 'x' }], targets: [{ provider: 'echo' }] });
    studyId = (await res.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${studyId}`)).json(), (p) => p.status === 'completed');
  });
  afterAll(() => t.close());

  /** A scoring run claimed by `runner` a moment ago (its heartbeat fresh), as that process would have. */
  const claimedBy = async (runner: string) => {
    const id = await claimScoringRun(t.deps.database.db, { studyId, total: 2, runner, lastCallId: 1_000_000, concurrency: 1, now: new Date().toISOString() }, { staleBefore: new Date(0).toISOString(), deadRunIds: [] });
    expect(id).toEqual(expect.any(Number));
    return id!;
  };
  const runStatus = async (id: number) => (await (await t.get(`/api/v1/studies/${studyId}/scoring/${id}`)).json()).status;

  it('holds the study while its process lives', async () => {
    const other = otherProcess();
    try {
      const id = await claimedBy(other.runner);
      expect(await runStatus(id)).toBe('running');
      expect((await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [{ type: 'exact' }] })).status).toBe(409);
      await t.deps.database.client.execute({ sql: "UPDATE scoring_runs SET status = 'failed' WHERE id = ?", args: [id] });
    } finally {
      await other.kill();
    }
  });

  it('shows as interrupted once its process is killed, and the next run takes over at once', async () => {
    const other = otherProcess();
    const id = await claimedBy(other.runner);
    await other.kill();
    expect(await runStatus(id)).toBe('interrupted');
    const next = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [{ type: 'exact' }] });
    expect(next.status).toBe(202);
    await t.deps.scoring.idle();
    expect(await runStatus((await next.json()).id)).toBe('completed');
    const stored = (await t.deps.database.client.execute({ sql: 'SELECT status, error FROM scoring_runs WHERE id = ?', args: [id] })).rows[0]!;
    expect(stored).toMatchObject({ status: 'interrupted', error: expect.stringContaining('took over') });
  });
});
