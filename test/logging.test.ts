import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createRedactor } from '../src/logging';
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

  describe('secrets that JSON escapes', () => {
    // Each of these reads differently once JSON-encoded: `"` → \", `\` → \\, tab → \t, new line → \n.
    const SECRETS = {
      quote: 'sk-with"quote-123',
      backslash: 'sk-with\\backslash-456',
      tab: 'sk-with\ttab-789',
      newline: 'sk-with\nnewline-012',
      unicode: 'clé-secrète-✓-🔑-345',
    };
    const logOnce = (record: Record<string, unknown>) => {
      const lines: string[] = [];
      createLogger({ write: (line) => lines.push(line), secrets: Object.values(SECRETS) }).error({ event: 'failure', ...record });
      expect(lines).toHaveLength(1);
      return lines[0]!;
    };
    const leaks = (line: string) =>
      Object.entries(SECRETS)
        .filter(([, secret]) => line.includes(secret) || line.includes(JSON.stringify(secret).slice(1, -1)))
        .map(([name]) => name);

    for (const [name, secret] of Object.entries(SECRETS)) {
      it(`scrubs a secret with a ${name} from a top-level field`, () => {
        const line = logOnce({ message: `upstream said: key ${secret} is invalid` });
        expect(leaks(line)).toEqual([]);
        expect(JSON.parse(line).message).toBe('upstream said: key [redacted] is invalid');
      });
    }

    it('scrubs them from nested objects, arrays, keys and error stacks', () => {
      const error = new Error(`auth failed for ${SECRETS.quote}`);
      const line = logOnce({
        error,
        request: { headers: { 'api-key': SECRETS.backslash }, attempts: [{ note: `tab ${SECRETS.tab}` }, [SECRETS.newline]] },
        [`key-${SECRETS.unicode}`]: 1,
        stack: `Error: ${SECRETS.newline}\n    at call (provider.ts:1:1)`,
      });
      expect(leaks(line)).toEqual([]);
      const parsed = JSON.parse(line);
      expect(parsed.request).toEqual({ headers: { 'api-key': '[redacted]' }, attempts: [{ note: 'tab [redacted]' }, ['[redacted]']] });
      expect(parsed['key-[redacted]']).toBe(1);
      expect(parsed.stack).toBe('Error: [redacted]\n    at call (provider.ts:1:1)');
      // An Error keeps its name, message and stack (JSON.stringify alone would write {}), all scrubbed.
      expect(parsed.error).toMatchObject({ name: 'Error', message: 'auth failed for [redacted]' });
      expect(parsed.error.stack).toMatch(/^Error: auth failed for \[redacted\]\n\s+at /);
    });

    it('keeps numbers, booleans, nulls and dates as they were, and survives a cycle', () => {
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      const parsed = JSON.parse(logOnce({ ms: 12.5, ok: false, none: null, at: new Date('2025-01-02T03:04:05.000Z'), cyclic }));
      expect(parsed).toMatchObject({ ms: 12.5, ok: false, none: null, at: '2025-01-02T03:04:05.000Z', cyclic: { name: 'loop', self: '[circular]' } });
    });

    it('still scrubs bearer tokens from the encoded line, after a space, a tab or a line break', () => {
      const line = logOnce({ header: 'Authorization: Bearer abcdefghijklmnop', tabbed: 'Bearer\tqrstuvwxyz012345', wrapped: 'Bearer\n\t6789abcdefgh' });
      for (const token of ['abcdefghijklmnop', 'qrstuvwxyz012345', '6789abcdefgh']) expect(line).not.toContain(token);
      expect(JSON.parse(line)).toMatchObject({ header: 'Authorization: Bearer [redacted]', tabbed: 'Bearer [redacted]', wrapped: 'Bearer [redacted]' });
    });

    it('expands and scrubs an error wherever it sits', () => {
      const parsed = JSON.parse(logOnce({ failures: [{ attempt: 1, error: new TypeError(`key ${SECRETS.tab} refused`) }] }));
      expect(parsed.failures[0].error).toMatchObject({ name: 'TypeError', message: 'key [redacted] refused' });
    });
  });

  it('keeps a line valid JSON when an escape sequence runs into text that reads like a secret', () => {
    // "\nabc…" in the line is a line break then "abc…": it does not hold the secret "nabc…".
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line), secrets: ['nabcdef123'] }).info({ event: 'x', text: 'first\nabcdef123', other: 'a nabcdef123' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ text: 'first\nabcdef123', other: 'a [redacted]' });
  });
});
