import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallWriter } from '../../src/capture/call-writer';
import { nativeCallInserter } from '../../src/node/native-call-inserter';
import type { NewRawCall } from '../../src/db/schema';
import { countCalls, createTestApp, type TestApp } from '../support/app';

const row = (i: number, overrides: Partial<NewRawCall> = {}): NewRawCall => ({
  provider: 'echo',
  model: 'echo-1',
  modality: 'chat',
  status: 'success',
  requestJson: { messages: [{ role: 'user', content: `row ${i}` }] },
  responseJson: { text: `answer ${i}` },
  requestHash: `hash-${i}`,
  metadataJson: {},
  ...overrides,
});

describe.each(['drizzle', 'native'] as const)('group-commit call writer (%s path)', (path) => {
  let t: TestApp;
  let newWriter: () => CallWriter;
  beforeAll(async () => {
    t = await createTestApp();
    const native = path === 'native' ? nativeCallInserter(t.deps.config.databaseUrl) : undefined;
    newWriter = () => new CallWriter(t.deps.database.db, native);
  });
  afterAll(() => t.close());

  it('writes many rows finished in the same turn and gives each caller its own id', async () => {
    const writer = newWriter();
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => writer.insert(row(i))));
    expect(new Set(ids).size).toBe(300);
    expect(await countCalls(t)).toBe(300);
    const first = await t.deps.database.client.execute({ sql: 'SELECT request_hash FROM raw_calls WHERE id = ?', args: [ids[7]!] });
    expect(first.rows[0]!.request_hash).toBe('hash-7');
  });

  it("gives each caller its own row's id when the row's triggers insert rows elsewhere", async () => {
    const writer = newWriter();
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.insert(row(2000 + i))));
    const group = await t.deps.database.client.execute("INSERT INTO groups (group_type, name, metadata_json) VALUES ('conversation', 'turns', '{}') RETURNING id");
    const conversationId = Number(group.rows[0]!.id);
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => writer.insert(row(3000 + i, { conversationId }))));
    const stored = await t.deps.database.client.execute({
      sql: `SELECT c.id, c.request_hash, m.position FROM raw_calls c JOIN group_members m ON m.call_id = c.id AND m.group_id = ? WHERE c.id IN (${ids.map(() => '?').join(', ')}) ORDER BY c.id`,
      args: [conversationId, ...ids],
    });
    expect(stored.rows.map((r) => [Number(r.id), r.request_hash, Number(r.position)])).toEqual(ids.map((id, i) => [id, `hash-${3000 + i}`, i]));
  });

  it('fails only the invalid row when one row of a commit is refused', async () => {
    const writer = newWriter();
    const before = await countCalls(t);
    const results = await Promise.allSettled([
      writer.insert(row(1000)),
      writer.insert(row(1001, { responseJson: null })), // success without a response: refused by the database
      writer.insert(row(1002)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await countCalls(t)).toBe(before + 2);
  });
});
