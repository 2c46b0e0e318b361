// The report's numbers through the real SQL aggregation, against published worked examples: studies
// are written as captured calls (through the capture trigger) and scored by the real scoring run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy } from '../../src/studies/repository';
import { insertCall } from '../../src/calls/repository';
import { startScoring } from '../../src/studies/scoring/service';
import { studyReport } from '../../src/studies/report/report-items';
import { createTestApp, type TestApp } from '../support/app';

describe('study report from SQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** A stopped study whose tasks get exactly the given outcomes (in run order); undefined leaves a task pending. */
  async function studyOf(items: number, targets: number, outcomes: (ordinal: number) => { text?: string; failed?: boolean; latencyMs?: number; tokens?: number; cost?: number } | undefined) {
    const db = t.deps.database.db;
    const batchId = await createStudy(
      db,
      {
        name: 'worked example',
        targets: Array.from({ length: targets }, (_, i) => ({ provider: 'echo', model: `model-${i}`, params: {} })),
        samples: 1,
        concurrency: 1,
        options: {},
        items: Array.from({ length: items }, (_, i) => ({ key: `item-${i}`, prompt: `question ${i}`, expected: 'yes', fields: { half: i < items / 2 ? 'first' : 'second' } })),
      },
      { runId: 'test', runner: 'test', now: new Date().toISOString() },
    );
    await t.deps.database.client.execute({ sql: "UPDATE batches SET status = 'completed' WHERE group_id = ?", args: [batchId] });
    const tasks = (await t.deps.database.client.execute({ sql: 'SELECT id, ordinal FROM batch_tasks WHERE batch_id = ? ORDER BY ordinal', args: [batchId] })).rows;
    for (const task of tasks) {
      const outcome = outcomes(Number(task.ordinal));
      if (!outcome) continue;
      const tokens = outcome.tokens ?? 10;
      await insertCall(db, {
        provider: 'echo',
        model: 'worked',
        modality: 'chat',
        status: outcome.failed ? 'failed' : 'success',
        requestJson: { messages: [] },
        responseJson: outcome.failed ? null : { text: outcome.text ?? '' },
        errorJson: outcome.failed ? { class: 'ServerError', status: 500 } : null,
        latencyMs: outcome.latencyMs ?? 100,
        tokensJson: outcome.failed ? null : { prompt: tokens, completion: tokens, total: 2 * tokens },
        promptTokens: outcome.failed ? null : tokens,
        completionTokens: outcome.failed ? null : tokens,
        totalTokens: outcome.failed ? null : 2 * tokens,
        costUsd: outcome.failed ? null : (outcome.cost ?? null),
        requestHash: `h${task.id}`,
        metadataJson: {},
        batchTaskId: Number(task.id),
      });
    }
    const { work } = await startScoring(t.deps.scoring, batchId, { scorers: [{ name: 'exact', config: { type: 'exact' } }], concurrency: 1 });
    await work;
    return batchId;
  }
  const report = (batchId: number) => studyReport(t.deps.database.db, batchId, { offset: 0, limit: 1000 });

  // 263 items, targets A and B: both right on 80 items, only A on 1, only B on 7, neither on 175.
  // A: 81/263 — Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3: 0.2553–0.3662.
  // Discordant 1 and 7 — Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, Table 1: exact p = 0.070.
  it('matches Newcombe (1998) and Fagerland et al. (2013) on a study aggregated in SQL', async () => {
    const correct = (item: number, target: number) => (target === 0 ? item < 81 : item < 80 || (item >= 81 && item < 88));
    const batchId = await studyOf(263, 2, (ordinal) => ({ text: correct(Math.floor(ordinal / 2), ordinal % 2) ? 'yes' : 'no' }));
    const { body } = await report(batchId);
    const [a, b] = body.targets;
    expect(a).toMatchObject({ scored: 263, passes: 81, majority: { items: 263, correct: 81 } });
    expect(a!.accuracy.low).toBeCloseTo(0.2553, 4);
    expect(a!.accuracy.high).toBeCloseTo(0.3662, 4);
    expect(b).toMatchObject({ scored: 263, passes: 87 });
    expect(body.pairs[0]).toMatchObject({ both_correct: 80, only_a: 1, only_b: 7, neither: 175, mcnemar_p: 0.0703125, disagreeing_count: 8 });
    expect(body.pairs[0]!.accuracy_difference.difference).toBeCloseTo(-6 / 263, 12);
    expect(body.items.total).toBe(263);
    expect(body.slices[0]).toMatchObject({ field: 'half', values: [{ value: 'first', items: 132 }, { value: 'second', items: 131 }] });
  });

  // Nearest-rank percentiles, the worked example of Wikipedia's "Percentile" article: of
  // {15, 20, 35, 40, 50}, the 50th percentile is 35 and anything above the 80th is 50.
  it('reads latency p50/p95 by nearest rank, and reports a study with failed and pending tasks', async () => {
    const latencies = [50, 15, 40, 20, 35];
    const batchId = await studyOf(7, 1, (ordinal) =>
      ordinal < 5 ? { text: ordinal < 3 ? 'yes' : 'no', latencyMs: latencies[ordinal], tokens: 10, cost: 0.5 } : ordinal === 5 ? { failed: true, latencyMs: 9_999 } : undefined,
    );
    const { body } = await report(batchId);
    expect(body.targets[0]).toMatchObject({
      tasks: 7,
      success: 5,
      failed: 1,
      pending: 1,
      failure_rate: 1 / 6,
      latency_p50_ms: 35,
      latency_p95_ms: 50,
      prompt_tokens: 50,
      completion_tokens: 50,
      cost_usd: 2.5,
      priced_calls: 5,
      samples: 5,
      scored: 5,
      passes: 3,
    });
    const cells = body.items.rows.map((item) => item.cells[0]!);
    expect(cells[5]).toMatchObject({ tasks: 1, success: 0, failed: 1, pending: 0 });
    expect(cells[5]!.n).toBeUndefined();
    expect(cells[6]).toMatchObject({ tasks: 1, success: 0, failed: 0, pending: 1 });
  });
});
