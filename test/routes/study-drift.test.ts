// Drift between two runs of a study: two studies with the same items and two targets, the second run
// after one target's answers (and served model) changed on some items. The report must flag exactly
// those cells, put that target's accuracy change away from 0 and the unchanged target's around it,
// and say which model served each run; bad baselines are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const ITEMS = Array.from({ length: 12 }, (_, i) => `q${i}`);
/** Target 0's answers to these items go wrong in the second run. */
const CHANGED = new Set(['q1', 'q4', 'q5', 'q8', 'q10']);
/** Target 1 answers these wrong in both runs (its accuracy is not 1, and stays what it was). */
const ALWAYS_WRONG_FOR_B = new Set(['q2', 'q3']);
const SAMPLES = 6;

describe('drift between two runs of a study', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let first: number;
  let second: number;
  let changed = false;

  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();
  const runStudy = async (items: string[]) => {
    const res = await t.post('/api/v1/studies', {
      name: 'drift probe',
      items: items.map((id) => ({ id, prompt: id, expected: `answer ${id}` })),
      targets: [{ provider: 'openai', model: 'gpt-a', params: { temperature: 0 } }, { provider: 'openai', model: 'gpt-b', params: { temperature: 0 } }],
      samples: SAMPLES,
      concurrency: 8,
      scorers: [{ type: 'exact' }],
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    await waitFor(() => progress(id), (p) => p.status === 'completed', 30_000);
    expect((await t.post(`/api/v1/studies/${id}/score`, {})).status).toBe(202);
    await t.deps.scoring.idle();
    return id as number;
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-drift-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    fake.setReplyPolicy(({ body }) => {
      const prompt = body.messages.at(-1).content as string;
      if (body.model === 'gpt-a' && changed && CHANGED.has(prompt)) return `not ${prompt}`;
      if (body.model === 'gpt-b' && ALWAYS_WRONG_FOR_B.has(prompt)) return 'no idea';
      return `answer ${prompt}`;
    });
    fake.setServed((model) => ({ model: `${model}-2025-01`, systemFingerprint: model === 'gpt-a' && changed ? 'fp_a_new' : `fp_${model}` }));
    first = await runStudy(ITEMS);
    changed = true;
    second = await runStudy(ITEMS);
  }, 120_000);
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('flags exactly the cells whose answers changed, and only target 0 changes in accuracy', async () => {
    const res = await t.get(`/api/v1/studies/${second}/drift?baseline=${first}&limit=1000`);
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.warnings).toEqual([]);
    expect(report.scorer).toMatchObject({ name: 'exact', version: 1, baseline_version: 1 });
    expect(report).toMatchObject({ shared_items: 12, only_in_study: 0, only_in_baseline: 0, cells_tested: 24, cells_drifted: CHANGED.size });
    const drifted = report.items.rows.filter((row: { drifted: boolean }) => row.drifted).map((row: { key: string; target_index: number }) => `${row.target_index}:${row.key}`);
    expect(drifted.sort()).toEqual([...CHANGED].map((key) => `0:${key}`).sort());
    for (const row of report.items.rows) {
      if (row.drifted) {
        expect(row.q_value).toBeLessThan(0.05);
        expect(row.tvd).toBe(1);
        expect(row.baseline.answers).toEqual([{ answer: `answer ${row.key}`, count: SAMPLES }]);
        expect(row.current.answers).toEqual([{ answer: `not ${row.key}`, count: SAMPLES }]);
        expect(row.method).toBe('fisher-exact');
      } else {
        // Reproduced answers: one category in both runs, nothing moved.
        expect(row).toMatchObject({ p_value: 1, q_value: 1, tvd: 0 });
        expect(row.current.answers).toEqual(row.baseline.answers);
      }
      expect(row.baseline).toMatchObject({ n: SAMPLES, format_failures: 0, errors: 0 });
    }
    const [a, b] = report.targets;
    expect(a).toMatchObject({ target_index: 0, same_target: true, items: 12, tested: 12, drifted: CHANGED.size });
    expect(a.accuracy_difference.difference).toBeCloseTo(-CHANGED.size / 12, 12);
    expect(a.accuracy_difference.high).toBeLessThan(0);
    expect(a.accuracy_difference.method).toBe('paired-t');
    expect(a.p_value).toBeLessThan(0.05);
    expect(b).toMatchObject({ target_index: 1, same_target: true, items: 12, drifted: 0 });
    expect(b.accuracy_difference.difference).toBe(0);
    expect(b.accuracy_difference.low).toBeLessThanOrEqual(0);
    expect(b.accuracy_difference.high).toBeGreaterThanOrEqual(0);
    expect(b.accuracy_difference.baseline).toBeCloseTo(10 / 12, 12);
  });

  it('lists the served models and fingerprints of each run, and says where they changed', async () => {
    const report = await (await t.get(`/api/v1/studies/${second}/drift?baseline=${first}&drifted=1`)).json();
    const [a, b] = report.targets;
    expect(a.served.baseline).toEqual({ served: [{ served_model: 'gpt-a-2025-01', system_fingerprint: 'fp_gpt-a', calls: 12 * SAMPLES }], models: ['gpt-a-2025-01'], fingerprints: ['fp_gpt-a'] });
    expect(a.served.current.fingerprints).toEqual(['fp_a_new']);
    expect(a).toMatchObject({ served_model_changed: true, served_changes: ['system_fingerprint'] });
    expect(b).toMatchObject({ served_model_changed: false, served_changes: [] });
    expect(b.served.current.models).toEqual(['gpt-b-2025-01']);
    // Only the drifted cells listed.
    expect(report.items).toMatchObject({ total: CHANGED.size, drifted_only: true });
    expect(report.items.rows.every((row: { drifted: boolean }) => row.drifted)).toBe(true);
  });

  it('shows the page: per-target change with its interval, the served models, and the moved items before and after', async () => {
    const study = await (await t.get(`/studies/${second}`)).text();
    expect(study).toContain(`action="/studies/${second}/drift"`);
    expect(study).toContain('Compare with…');
    const form = await t.get(`/studies/${second}/drift`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="baseline"');
    const res = await t.get(`/studies/${second}/drift?baseline=${first}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`${CHANGED.size} drifted`);
    // Target 0: −41.7 points, the interval below 0; target 1: no change.
    expect(html).toMatch(/<strong>-41\.7 pts<\/strong> <span class="muted interval">\[-\d+\.\d pts – -\d+\.\d pts\]/);
    expect(html).toContain('<strong>0.0 pts</strong>');
    expect(html).toContain('changed: system_fingerprint');
    expect(html).toContain('fp_a_new');
    const movedRows = html.split('<tbody>')[2]!.split('<tr>').slice(1);
    expect(movedRows.map((row) => /<code>(q\d+)<\/code>/.exec(row)![1]).sort()).toEqual([...CHANGED].sort());
    for (const row of movedRows) {
      const key = /<code>(q\d+)<\/code>/.exec(row)![1];
      expect(row).toContain(`<code>answer ${key}</code> ${SAMPLES}/${SAMPLES}`);
      expect(row).toContain(`<code>not ${key}</code> ${SAMPLES}/${SAMPLES}`);
    }
    const bad = await t.get(`/studies/${second}/drift?baseline=${second}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('is this study itself');
    expect((await t.get(`/studies/${second}/drift?baseline=abc`)).status).toBe(400);
    expect((await t.get('/studies/999997/drift')).status).toBe(404);
  });

  it('answers the same under the deprecated /batches path', async () => {
    const res = await t.get(`/api/v1/batches/${second}/drift?baseline=${first}`);
    expect(res.status).toBe(200);
    expect((await res.json()).cells_drifted).toBe(CHANGED.size);
  });

  it('refuses a baseline that is missing, not an id, the study itself, or unknown, naming it', async () => {
    const refused = async (query: string, status: number, message: RegExp) => {
      const res = await t.get(`/api/v1/studies/${second}/drift${query}`);
      expect(res.status, query).toBe(status);
      const body = await res.json();
      expect(body.error.message, query).toMatch(message);
      return body;
    };
    await refused('', 400, /baseline/);
    await refused('?baseline=abc', 400, /baseline/);
    await refused('?baseline=0', 400, /baseline/);
    await refused(`?baseline=${first}&limit=5000`, 400, /limit/);
    await refused(`?baseline=${first}&colour=red`, 400, /colour/);
    await refused(`?baseline=${second}`, 400, /^baseline: is this study itself/);
    await refused('?baseline=999999', 404, /^baseline: study 999999 does not exist/);
    await refused(`?baseline=${first}&scorer=nope`, 404, /scorer "nope"/);
    const unknown = await t.get(`/api/v1/studies/999998/drift?baseline=${first}`);
    expect(unknown.status).toBe(404);
  });

  it('compares a baseline with another item set on the keys both have, with a warning', async () => {
    changed = false;
    const fewer = await runStudy([...ITEMS.slice(0, 6), 'extra']);
    const report = await (await t.get(`/api/v1/studies/${fewer}/drift?baseline=${second}&limit=1000`)).json();
    expect(report).toMatchObject({ shared_items: 6, only_in_study: 1, only_in_baseline: 6, cells_tested: 12 });
    expect(report.warnings).toEqual([expect.stringMatching(/items differ: the 6 item keys both have are compared \(1 only in this study, 6 only in the baseline\)/)]);
    // Back to the old answers: of the shared items, q1, q4 and q5 of target 0 moved back.
    const moved = report.items.rows.filter((row: { drifted: boolean }) => row.drifted).map((row: { key: string }) => row.key);
    expect(moved.sort()).toEqual(['q1', 'q4', 'q5']);
    expect(new Set(report.items.rows.map((row: { key: string }) => row.key))).toEqual(new Set(ITEMS.slice(0, 6)));
  });
});
