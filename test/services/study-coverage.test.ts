// A designed-study simulation (slow lane): 200 seeded studies of 30 items × 5 samples, each item
// answered right by the local OpenAI-compatible server with its own pass probability, run through the
// app's real path (the study route, the runner, the openai SDK, capture, the scoring run, the report
// route). The item-clustered 95% interval of accuracy must cover the true accuracy in at least 90% of
// them; the sample-level Wilson interval, which takes the 150 samples of 30 items as independent, is
// printed beside it for contrast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessStudyExecutor } from '../../src/studies/runner/runner';
import { mulberry32 } from '../../src/studies/statistics/seeded-random';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const STUDIES = 200;
const ITEMS = 30;
const SAMPLES = 5;
/** Studies run side by side: the runner and the database stay busy while one study is scored or reported. */
const AT_ONCE = 4;
/**
 * Items are drawn from a population whose pass probabilities are u², u uniform on [0, 1]: the accuracy a
 * study estimates — the mean pass probability over that population — is E[u²] = 1/3. The samples of an
 * item share its probability, so they are correlated (design effect about 2.6 at 5 samples).
 */
const TRUE_ACCURACY = 1 / 3;

describe('the report\'s intervals over simulated studies', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const passProbability = new Map<string, number>();

  beforeAll(async () => {
    fake = await startFakeOpenAI({ recordBodies: false });
    fake.setPassProbabilityPolicy({ seed: 2024, passProbability: (prompt) => passProbability.get(prompt), right: () => 'yes', wrong: () => 'no' });
    t = await createTestApp({ OPENAI_API_KEY: 'sk-coverage', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
  });
  afterAll(async () => {
    t?.close();
    await fake?.close();
  });

  async function runStudy(study: number) {
    const difficulty = mulberry32(study + 1);
    const items = Array.from({ length: ITEMS }, (_, i) => {
      const prompt = `study ${study}, item ${i}: yes or no?`;
      passProbability.set(prompt, difficulty() ** 2);
      return { id: `i${i}`, prompt, expected: 'yes' };
    });
    const created = await t.post('/api/v1/studies', {
      name: `coverage ${study}`,
      items,
      targets: [{ provider: 'openai', model: 'simulated' }],
      samples: SAMPLES,
      concurrency: ITEMS * SAMPLES,
      scorers: [{ type: 'exact' }],
    });
    expect(created.status).toBe(202);
    return (await created.json()).id as number;
  }

  async function reportOf(id: number) {
    const res = await t.get(`/api/v1/studies/${id}/report?limit=1`);
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.progress).toMatchObject({ status: 'completed', done: ITEMS * SAMPLES });
    return report.targets[0] as {
      accuracy: { estimate: number; low: number; high: number; method: string; items: number; design_effect: number | null };
      accuracy_samples_wilson: { low: number; high: number; samples: number };
    };
  }

  it('the item-clustered 95% interval covers the true accuracy in at least 90% of 200 studies', async () => {
    const started = performance.now();
    let clustered = 0;
    let wilson = 0;
    let designEffects = 0;
    let counted = 0;
    for (let first = 0; first < STUDIES; first += AT_ONCE) {
      const ids = await Promise.all(Array.from({ length: Math.min(AT_ONCE, STUDIES - first) }, (_, k) => runStudy(first + k)));
      await (t.deps.studies as InProcessStudyExecutor).idle();
      for (const id of ids) expect((await t.post(`/api/v1/studies/${id}/score`, {})).status).toBe(202);
      await t.deps.scoring.idle();
      for (const id of ids) {
        const { accuracy, accuracy_samples_wilson: samples } = await reportOf(id);
        expect(accuracy).toMatchObject({ items: ITEMS, method: 'clustered-t' });
        expect(samples.samples).toBe(ITEMS * SAMPLES);
        if (accuracy.low <= TRUE_ACCURACY && TRUE_ACCURACY <= accuracy.high) clustered++;
        if (samples.low <= TRUE_ACCURACY && TRUE_ACCURACY <= samples.high) wilson++;
        if (accuracy.design_effect !== null) {
          designEffects += accuracy.design_effect;
          counted++;
        }
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(
      `coverage of the true accuracy (1/3) by 95% intervals over ${STUDIES} studies of ${ITEMS} items × ${SAMPLES} samples, ` +
        `run through the app in ${seconds} s: item-clustered ${((clustered / STUDIES) * 100).toFixed(1)}%, ` +
        `sample-level Wilson ${((wilson / STUDIES) * 100).toFixed(1)}%; mean design effect ${(designEffects / counted).toFixed(2)}`,
    );
    expect(clustered / STUDIES).toBeGreaterThanOrEqual(0.9);
    // The sample-level interval is too narrow: it misses the truth far more often than 5% of the time.
    expect(wilson).toBeLessThan(clustered);
    expect(designEffects / counted).toBeGreaterThan(1.5);
  }, 180_000);
});
