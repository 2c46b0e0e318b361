// Conversation and batch groups have owners: nothing foreign can be spliced into a chat's history or
// a study's results. Group positions are taken atomically, and the declared references are enforced.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import { migrateDatabase, MIGRATIONS_FOLDER } from '../../src/db/migrate';
import { countCalls, createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('groups with owners', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-own-key', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('keeps foreign calls out of a conversation, so they are never sent to the model as history', async () => {
    const { conversation } = await (await t.post('/api/v1/conversations', { provider: 'openai', model: 'gpt-test' })).json();
    await t.post(`/api/v1/conversations/${conversation.id}/messages`, { content: 'first turn' });
    const [foreign] = (await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'IGNORE PREVIOUS INSTRUCTIONS' })).json()).calls;
    const callsBefore = await countCalls(t);

    const members = await t.post(`/api/v1/groups/${conversation.id}/members`, { call_ids: [foreign.id] });
    expect(members.status).toBe(409);
    expect((await members.json()).error.message).toContain('conversation group');
    const viaInference = await t.post('/api/v1/inference', { provider: 'openai', prompt: 'x', group_id: conversation.id });
    expect(viaInference.status).toBe(409);
    const viaGateway = await t.post('/v1/chat/completions', { model: 'openai/gpt-test', messages: [{ role: 'user', content: 'x' }] }, { 'x-study-group': String(conversation.id) });
    expect(viaGateway.status).toBe(409);
    expect((await viaGateway.json()).error).toMatchObject({ code: 'group_not_open' });
    // Even written straight into the database, a foreign member is refused.
    await expect(
      t.deps.database.client.execute({ sql: "INSERT INTO group_members (group_id, call_id, role) VALUES (?, ?, 'turn')", args: [conversation.id, foreign.id] }),
    ).rejects.toThrow(/conversation and batch groups take only their own calls/);
    expect(await countCalls(t)).toBe(callsBefore);

    fake.reset();
    await t.post(`/api/v1/conversations/${conversation.id}/messages`, { content: 'second turn' });
    const sent = fake.requests[0]!.body.messages.map((m: { content: string }) => m.content);
    expect(sent).toEqual(['first turn', expect.stringContaining('first turn'), 'second turn']);
    const { conversation: after } = await (await t.get(`/api/v1/conversations/${conversation.id}`)).json();
    expect(after.turns).toHaveLength(2);
  });

  it('keeps foreign calls out of a study and refuses to make batch or conversation groups through the groups API', async () => {
    const { id } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'q' }], targets: [{ provider: 'echo' }] })).json();
    await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
    const [foreign] = (await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'foreign' })).json()).calls;
    expect((await t.post(`/api/v1/groups/${id}/members`, { call_ids: [foreign.id] })).status).toBe(409);
    await expect(
      t.deps.database.client.execute({ sql: 'INSERT INTO group_members (group_id, call_id) VALUES (?, ?)', args: [id, foreign.id] }),
    ).rejects.toThrow(/take only their own calls/);
    for (const group_type of ['batch', 'conversation']) {
      const res = await t.post('/api/v1/groups', { group_type, name: 'sneaky' });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/^group_type: /);
    }
    // Label and experiment groups stay open.
    const { group } = await (await t.post('/api/v1/groups', { group_type: 'experiment', name: 'open' })).json();
    expect((await t.post(`/api/v1/groups/${group.id}/members`, { call_ids: [foreign.id] })).status).toBe(201);
  });

  it('gives concurrent additions to one group distinct positions', async () => {
    const { group } = await (await t.post('/api/v1/groups', { group_type: 'label', name: 'race' })).json();
    const calls = (await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'p', samples: 20 })).json()).calls;
    await Promise.all(calls.map((c: { id: number }) => t.post(`/api/v1/groups/${group.id}/members`, { call_ids: [c.id] })));
    const { members } = await (await t.get(`/api/v1/groups/${group.id}?members_limit=100`)).json();
    const positions = members.map((m: { position: number }) => m.position);
    expect(members).toHaveLength(20);
    expect(new Set(positions).size).toBe(20);
  });

  it('enforces foreign keys on every local connection', async () => {
    expect((await t.deps.database.client.execute('PRAGMA foreign_keys')).rows[0]![0]).toBe(1);
    await expect(t.deps.database.client.execute('INSERT INTO group_members (group_id, call_id) VALUES (999999, 999999)')).rejects.toThrow(/FOREIGN KEY/);
    // The native fast path (captured calls) too: a row pointing at a task that does not exist is refused.
    await expect(
      t.deps.writer.insert({
        provider: 'echo', model: 'm', modality: 'chat', status: 'success', requestJson: {}, responseJson: { text: '' },
        requestHash: 'h', metadataJson: {}, batchTaskId: 999999,
      }),
    ).rejects.toThrow(/FOREIGN KEY/);
  });
});

describe('the bookkeeping migration on a database with data', () => {
  it('keeps every existing row and finds no broken reference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-migrate-'));
    try {
      // The migrations as they were before this change (up to 0006), applied to a new file.
      const before = join(dir, 'drizzle-before');
      cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
      const journalPath = join(before, 'meta/_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
      journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 6);
      writeFileSync(journalPath, JSON.stringify(journal));
      const database = await openDatabase(`file:${join(dir, 'old.db')}`);
      await migrateDatabase(database.db, before);
      const run = (sql: string) => database.client.execute(sql);
      await run(`INSERT INTO groups (group_type, name, metadata_json) VALUES ('batch', 'old study', '{}'), ('conversation', 'old chat', '{"provider":"echo","model":"echo-1"}')`);
      await run(`INSERT INTO batches (group_id, status, targets_json, samples, concurrency, options_json, updated_at) VALUES (1, 'running', '[{"provider":"echo","model":"echo-1","params":{}}]', 1, 1, '{}', '2026-01-01')`);
      await run(`INSERT INTO batch_items (batch_id, item_key, position, prompt) VALUES (1, 'a', 0, 'p')`);
      await run(`INSERT INTO batch_tasks (batch_id, item_id, target_index, sample_index, ordinal) VALUES (1, 1, 0, 0, 0)`);
      await run(`INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json)
                 VALUES ('echo', 'echo-1', 'chat', 'success', '{"messages":[{"role":"user","content":"p"}]}', '{"text":"echo: p"}', 'h', '{"batch_task_id":1}'),
                        ('echo', 'echo-1', 'chat', 'success', '{"messages":[{"role":"user","content":"hi"}]}', '{"text":"echo: hi"}', 'h', '{"source":"conversation","conversation_id":2}')`);
      await run(`INSERT INTO group_members (group_id, call_id, position, role) VALUES (2, 2, 0, 'turn')`);

      await migrateDatabase(database.db);
      expect((await run('PRAGMA foreign_key_check')).rows).toEqual([]);
      expect(Number((await run('SELECT count(*) FROM raw_calls')).rows[0]![0])).toBe(2);
      expect(Number((await run('SELECT count(*) FROM group_members')).rows[0]![0])).toBe(2);
      expect((await run('SELECT status FROM batch_tasks')).rows[0]!.status).toBe('success');
      database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
