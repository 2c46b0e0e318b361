import { afterEach, describe, expect, it } from 'vitest';
import { createRedactor } from '../src/logging';
import { createTestApp, type TestApp } from './support/app';

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('structured logs', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('writes one line per request with the id returned as x-request-id, and one per provider call', async () => {
    t = await createTestApp();
    const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'secret plans for the weekend' });
    const { calls } = await res.json();
    const records = parse(t.logs);
    const request = records.filter((r) => r.event === 'http_request');
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ method: 'POST', path: '/api/v1/inference', status: 200, request_id: res.headers.get('x-request-id') });
    expect(request[0]!.ms).toBeTypeOf('number');
    const call = records.filter((r) => r.event === 'provider_call');
    expect(call).toEqual([
      expect.objectContaining({ call_id: calls[0].id, provider: 'echo', model: 'echo-1', status: 'success', attempts: 1, ms: expect.any(Number) }),
    ]);
    expect(t.logs.join('\n')).not.toContain('weekend');
  });

  it('includes prompt and response text only with LOG_PROMPTS=1', async () => {
    t = await createTestApp({ LOG_PROMPTS: '1' });
    await t.post('/api/v1/inference', { provider: 'echo', prompt: 'secret plans for the weekend' });
    const call = parse(t.logs).find((r) => r.event === 'provider_call');
    expect(call).toMatchObject({ prompt: 'secret plans for the weekend', response: 'echo: secret plans for the weekend' });
  });

  it('leaves query strings (which may carry search text) out of the logged path', async () => {
    t = await createTestApp();
    await t.get('/api/v1/calls?q=private+words');
    expect(t.logs.join('\n')).not.toContain('private');
  });

  it('scrubs configured secrets and bearer tokens from any text', () => {
    const redact = createRedactor(['sk-live-abcdef123456']);
    expect(redact('key sk-live-abcdef123456 and Authorization: Bearer abcdefghijklmnop')).toBe(
      'key [redacted] and Authorization: Bearer [redacted]',
    );
  });
});
