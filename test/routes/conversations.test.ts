import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { bootstrap } from '../../src/bootstrap';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

describe('conversations', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const env = () => ({ OPENAI_API_KEY: 'sk-chat-test-key', OPENAI_BASE_URL: fake.url });
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp(env());
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('sends the whole history each turn, keeps a failed turn out of it, and survives a restart', async () => {
    const created = await t.post('/api/v1/conversations', { provider: 'openai', model: 'gpt-test', system_prompt: 'You are terse.' });
    expect(created.status).toBe(201);
    const { conversation } = await created.json();
    const say = async (content: string) => (await t.post(`/api/v1/conversations/${conversation.id}/messages`, { content })).json();

    const first = await say('Hello there');
    expect(first.call).toMatchObject({ status: 'success', text: 'reply to: Hello there' });
    await say('Second question');
    expect(fake.requests[1]!.body.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: 'reply to: Hello there' },
      { role: 'user', content: 'Second question' },
    ]);

    fake.failNext({ kind: 'status', status: 400 });
    const failed = await say('This one fails');
    expect(failed.call.status).toBe('failed');
    expect(failed.conversation.turns).toHaveLength(3);
    expect(failed.conversation.messages).toHaveLength(5);

    await say('Third question');
    const lastSent = fake.requests[fake.requests.length - 1]!.body.messages;
    expect(lastSent.map((m: { content: string }) => m.content)).toEqual([
      'You are terse.',
      'Hello there',
      'reply to: Hello there',
      'Second question',
      'reply to: Second question',
      'Third question',
    ]);

    // a fresh process over the same database file sees the same history
    const again = await bootstrap({ DATABASE_URL: t.deps.config.databaseUrl, ...env() }, { log: () => {} });
    const restarted = createApp(again);
    const reloaded = (await (await restarted.request(`/api/v1/conversations/${conversation.id}`)).json()).conversation;
    again.database.close();
    expect(reloaded.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(reloaded.turns.map((turn: { status: string }) => turn.status)).toEqual(['success', 'success', 'failed', 'success']);
    expect(reloaded.turns[2].error).toMatchObject({ status: 400 });
  });

  it('serialises concurrent messages so each sees the previous turn', async () => {
    const { conversation } = await (await t.post('/api/v1/conversations', { provider: 'echo' })).json();
    await Promise.all(['one', 'two', 'three'].map((content) => t.post(`/api/v1/conversations/${conversation.id}/messages`, { content })));
    const loaded = (await (await t.get(`/api/v1/conversations/${conversation.id}`)).json()).conversation;
    expect(loaded.messages).toHaveLength(6);
    expect(loaded.turns.every((turn: { status: string }) => turn.status === 'success')).toBe(true);
  });

  it('rejects bad input and unknown conversations', async () => {
    expect((await t.post('/api/v1/conversations', { provider: 'nope' })).status).toBe(400);
    expect((await t.post('/api/v1/conversations', { model: 'x' })).status).toBe(400);
    expect((await t.post('/api/v1/conversations/424242/messages', { content: 'hi' })).status).toBe(404);
    const { conversation } = await (await t.post('/api/v1/conversations', { provider: 'echo' })).json();
    const empty = await t.post(`/api/v1/conversations/${conversation.id}/messages`, { content: '' });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toContain('content');
    const { group } = await (await t.post('/api/v1/groups', { name: 'not a chat' })).json();
    expect((await t.get(`/api/v1/conversations/${group.id}`)).status).toBe(404);
  });
});
