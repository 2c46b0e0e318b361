// A study's JSON body read a slice at a time (src/studies/study-body.ts): the same study, and the same
// refusals, as studyBodySchema gives for the whole body parsed at once.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { studyBodySchema } from '../../src/schemas/study-requests';
import { MAX_ITEM_VALUES, MAX_STUDY_FIELDS_CHARS, readStudyJson, splitStudyJson } from '../../src/studies/study-body';
import { mulberry32 } from '../../src/studies/statistics/seeded-random';
import { createTestApp } from '../support/app';

const refusal = async (text: string) => {
  try {
    await readStudyJson(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`not refused: ${text.slice(0, 80)}`);
};

describe('reading a study body a slice at a time', () => {
  const awkward = ['plain', 'with "quotes" and \\ backslashes', 'brackets ] } [ { and , commas : colons', '\u2028 é 😀 \n\t', '"items": [1, 2]', '\\"', ''];

  it('cuts the items out exactly, whatever their strings hold', async () => {
    const body = {
      name: 'a study with "items": [] in its name',
      items: awkward.map((text, i) => ({ id: `i${i}`, prompt: `${text}!`, vars: { v: text }, expected: [text || 'x', 3] })),
      targets: [{ provider: 'echo', params: { stop: [']', '},'] } }],
      template: '{user_input} ]',
    };
    const text = JSON.stringify(body, null, 2);
    const { fields, items } = await splitStudyJson(text);
    expect(items!.map((item) => JSON.parse(item))).toEqual(body.items);
    expect(JSON.parse(fields)).toEqual({ ...body, items: [] });
    expect(await readStudyJson(text)).toEqual(studyBodySchema.parse(body));
  });

  it('gives the same study as studyBodySchema over random bodies', async () => {
    const random = mulberry32(3);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    for (let round = 0; round < 100; round++) {
      const items = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) =>
        random() < 0.3 ? { messages: [{ role: 'user', content: pick(awkward) || 'hi' }] } : { id: `${round}-${i}`, prompt: `${pick(awkward)}?`, ...(random() < 0.5 ? { fields: { f: pick(awkward) } } : {}) },
      );
      const body = { items, targets: [{ provider: 'echo' }], ...(random() < 0.5 ? { samples: 1 + Math.floor(random() * 3) } : {}) };
      expect(await readStudyJson(JSON.stringify(body, null, round % 3))).toEqual(studyBodySchema.parse(body));
    }
  });

  it('refuses what studyBodySchema refuses, naming the same field first', async () => {
    const cases: unknown[] = [
      { items: [{ prompt: 'x' }, {}], targets: [{ provider: 'echo' }] },
      { items: [{ prompt: 'x', extra: 1 }], targets: [{ provider: 'echo' }] },
      { items: [{ prompt: 'x' }], targets: [] },
      { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], samples: 0 },
      { items: [{ id: 'a', prompt: 'x' }, { id: 'a', prompt: 'y' }], targets: [{ provider: 'echo' }] },
      { items: [{ vars: { a: 'b' } }], targets: [{ provider: 'echo' }] },
      { items: 'x', targets: [{ provider: 'echo' }] },
      { targets: [{ provider: 'echo' }] },
      { items: [], targets: [{ provider: 'echo' }] },
      { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], unknown: 1 },
    ];
    for (const body of cases) {
      const expected = studyBodySchema.safeParse(body);
      expect(expected.success, JSON.stringify(body)).toBe(false);
      const error = await refusal(JSON.stringify(body));
      expect(error.status).toBe(400);
      const path = expected.error!.issues[0]!.path.join('.');
      expect(error.message, JSON.stringify(body)).toMatch(new RegExp(`^${(path || 'json').replaceAll('.', '\\.')}: `));
    }
  });

  it('refuses malformed or hostile JSON before parsing it in one go', async () => {
    const study = (items: string) => `{"targets": [{"provider": "echo"}], "items": ${items}}`;
    expect((await refusal('[1, 2]')).message).toMatch(/^body: the study must be a JSON object/);
    expect((await refusal('{"items": [')).message).toMatch(/^body: not valid JSON/);
    expect((await refusal(`${study('[{"prompt": "x"}]')} trailing`)).message).toMatch(/text after the study object/);
    expect((await refusal(study('[{"prompt": "x"},]'))).message).toMatch(/^body: not valid JSON \(items\.1/);
    expect((await refusal(study('[{"prompt": "x"}], "items": [{"prompt": "y"}]'))).message).toMatch(/^items: given twice/);
    expect((await refusal(study('[{"prompt": "unclosed}]'))).message).toMatch(/a string is not closed/);
    const deep = `{"prompt": "x", "fields": ${'['.repeat(70)}${']'.repeat(70)}}`;
    expect((await refusal(study(`[{"prompt": "a"}, ${deep}]`))).message).toMatch(/^items\.1\.fields\.0\.0: nested deeper than 64 levels/);
    expect((await refusal(`{"items": [{"prompt": "a"}], "targets": [{"provider": "echo", "params": {"x": ${'['.repeat(70)}${']'.repeat(70)}}}]}`)).message).toMatch(
      /^targets\.0\.params: nested deeper than 64 levels/,
    );
    const dense = `{"prompt": "x", "vars": {${Array.from({ length: MAX_ITEM_VALUES + 1 }, (_, i) => `"v${i}": ""`).join(',')}}}`;
    expect((await refusal(study(`[{"prompt": "a"}, ${dense}]`))).message).toMatch(/^items\.1: holds more than 50,000 JSON values/);
    const wide = await refusal(`{"description": "${'x'.repeat(MAX_STUDY_FIELDS_CHARS)}", "items": [], "targets": []}`);
    expect(wide.status).toBe(413);
  });

  it('takes a turn of the event loop as it goes: the slicer is asked at every item', async () => {
    const items = Array.from({ length: 5_000 }, (_, i) => ({ prompt: `p${i}` }));
    let asked = 0;
    const body = await readStudyJson(JSON.stringify({ items, targets: [{ provider: 'echo' }] }), () => {
      asked++;
      return undefined;
    });
    expect(body.items).toHaveLength(5_000);
    expect(asked).toBeGreaterThanOrEqual(5_000);
  });
});

describe('POST /api/v1/studies reads its body a slice at a time', () => {
  it('answers 415 to a body that is not JSON and 400 to a sweep naming __proto__, creating nothing', async () => {
    const t = await createTestApp();
    try {
      const groups = async () => Number((await t.deps.database.client.execute('SELECT count(*) FROM groups')).rows[0]![0]);
      const before = await groups();
      const text = await t.app.request('/api/v1/studies', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
      expect(text.status).toBe(415);
      expect((await text.json()).error.code).toBe('unsupported_media_type');
      for (const name of ['__proto__', 'constructor', 'prototype', 'not a name']) {
        const res = await t.post('/api/v1/studies', `{"items": [{"prompt": "x"}], "targets": [{"provider": "echo"}], "sweep": {${JSON.stringify(name)}: [1, 2]}}`);
        expect(res.status, name).toBe(400);
        expect((await res.json()).error.message.startsWith(`sweep.${name}: `), name).toBe(true);
      }
      const form = new FormData();
      form.append('prompts', 'a prompt');
      form.append('targets', 'echo|echo-1');
      form.append('sweep', 'temperature = 0, 1\n__proto__ = 1, 2');
      const page = await t.app.request('/studies', { method: 'POST', body: form });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('sweep line 2: &quot;__proto__&quot;');
      expect(await groups()).toBe(before);
    } finally {
      t.close();
    }
  });
});
