import { describe, expect, it } from 'vitest';
import { noSecrets, secretScrubber, secretTextScrubber } from './scrub-secrets';

const KEY = 'sk-live-abcdef123456';

describe('secretScrubber', () => {
  const scrub = secretScrubber([KEY, 'tok']);

  it('hands back the very same object when no secret is in it, at any depth', () => {
    const answer = { id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'blue' } }], usage: { total_tokens: 3 }, at: new Date(0) };
    expect(scrub(answer)).toBe(answer);
  });

  it('copies only the objects and arrays on the way to a string it changed', () => {
    const untouched = { total_tokens: 3 };
    const answer = { choices: [{ message: { content: `the key is ${KEY}` } }, { message: { content: 'fine' } }], usage: untouched };
    const scrubbed = scrub(answer);
    expect(scrubbed).toEqual({ choices: [{ message: { content: 'the key is [redacted]' } }, { message: { content: 'fine' } }], usage: untouched });
    expect(scrubbed.usage).toBe(untouched);
    expect(scrubbed.choices[1]).toBe(answer.choices[1]);
    expect(answer.choices[0]!.message.content).toBe(`the key is ${KEY}`);
  });

  it('scrubs keys, keeps a "__proto__" key an own property, and removes a secret holding another whole', () => {
    const scrubbed = scrub(JSON.parse(`{"${KEY}": 1, "__proto__": "${KEY}x"}`) as Record<string, unknown>);
    expect(Object.keys(scrubbed)).toEqual(['[redacted]', '__proto__']);
    expect(Object.hasOwn(scrubbed, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(scrubbed, '__proto__')?.value).toBe('[redacted]x');
    expect(secretScrubber(['abcd', 'abcdefgh'])('xabcdefghx')).toBe('x[redacted]x');
  });

  it('leaves values shorter than four characters out, and scrubs strings, errors, dates with a secret in their JSON, and cycles', () => {
    expect(scrub('tok tok')).toBe('tok tok');
    const error = scrub(new Error(`bad key ${KEY}`)) as unknown as Record<string, string>;
    expect(error).toMatchObject({ name: 'Error', message: 'bad key [redacted]' });
    expect(error.stack).toContain('bad key [redacted]');
    const stamped = { toJSON: () => `made with ${KEY}` };
    expect(scrub({ stamped }).stamped).toBe('made with [redacted]');
    const cyclic: Record<string, unknown> = { note: KEY };
    cyclic.self = cyclic;
    expect(scrub(cyclic)).toEqual({ note: '[redacted]', self: '[circular]' });
  });

  it('does nothing without secrets', () => {
    expect(secretScrubber([])).toBe(noSecrets);
    expect(secretTextScrubber(['abc'])).toBeUndefined();
  });

  it('finds secrets holding characters that mean something in a regular expression', () => {
    const text = secretTextScrubber(['k.y+(1)[2]\\$'])!;
    expect(text('a k.y+(1)[2]\\$ b kxy+(1)[2]\\$')).toBe('a [redacted] b kxy+(1)[2]\\$');
  });
});
