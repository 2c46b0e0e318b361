// The two write paths of a captured call (drizzle through @libsql/client, and the native fast path
// Node uses for a local file) must store the same row, byte for byte and type for type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallWriter } from '../../src/capture/call-writer';
import { nativeCallInserter } from '../../src/node/native-call-inserter';
import { RAW_CALL_COLUMNS } from '../../src/capture/raw-call-row';
import type { NewRawCall } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../support/app';

const everyColumn: NewRawCall = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  modality: 'chat',
  status: 'success',
  requestJson: { messages: [{ role: 'user', content: 'Grüße, 世界 — "quoted" \\ and \u0001 control' }], params: { temperature: 0.7, seed: 42 } },
  responseJson: { text: 'ok', choices: [{ index: 0, text: 'ok' }], nested: { big: 2 ** 53 - 1, small: 1e-9, flag: false, none: null } },
  errorJson: { note: 'kept even on success' },
  latencyMs: 123.456,
  tokensJson: { prompt: 3, completion: 1, total: 4, cached: 0 },
  promptTokens: 3,
  completionTokens: 1,
  totalTokens: 4,
  costUsd: 0.000123,
  requestHash: 'f'.repeat(64),
  metadataJson: { study: 'write paths', tags: ['a', 'b'] },
  createdAt: '2026-11-30T05:00:00.000Z',
  requestId: 'req_same',
  clientApi: 'chat.completions',
};

const sparse: NewRawCall = {
  provider: 'echo',
  model: 'echo-1',
  modality: 'embedding',
  status: 'failed',
  requestJson: { input: [] },
  errorJson: { error_class: 'Timeout' },
  requestHash: 'e'.repeat(64),
  metadataJson: {},
  createdAt: '2026-11-30T05:00:01.000Z',
};

describe('drizzle and native write paths', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const stored = async (id: number) => {
    const columns = RAW_CALL_COLUMNS.map(([, column]) => column.name);
    const select = columns.map((name) => `${name}, typeof(${name}) AS ${name}__type`).join(', ');
    const result = await t.deps.database.client.execute({ sql: `SELECT ${select} FROM raw_calls WHERE id = ?`, args: [id] });
    return { ...result.rows[0]! };
  };

  it.each([
    ['a row with every column set', everyColumn],
    ['a failed row with most columns empty', sparse],
  ])('stores %s identically', async (_label, row) => {
    const native = nativeCallInserter(t.deps.config.databaseUrl);
    expect(native, 'the test database is a local file, so Node has the native path').toBeDefined();
    const viaDrizzle = await new CallWriter(t.deps.database.db).insert(row);
    const viaNative = await new CallWriter(t.deps.database.db, native).insert(row);
    native!.close?.();
    expect(viaNative).not.toBe(viaDrizzle);
    const [a, b] = [await stored(viaDrizzle), await stored(viaNative)];
    expect(a.request_json).toBe(JSON.stringify(row.requestJson));
    expect(b).toEqual(a);
  });
});
