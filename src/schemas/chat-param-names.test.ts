import { describe, expect, it } from 'vitest';
import { isKnownChatParam, nearestChatParam, unknownParamMessage, unknownParams } from './chat-param-names';

describe('chat parameter names', () => {
  it('knows the OpenAI chat-completions parameters and the common provider additions', () => {
    for (const name of ['temperature', 'top_p', 'max_completion_tokens', 'response_format', 'logit_bias', 'reasoning_effort', 'top_k', 'min_p', 'repetition_penalty']) {
      expect(isKnownChatParam(name), name).toBe(true);
    }
    for (const name of ['temprature', 'topk', 'Temperature', 'foo', '__proto__', 'constructor']) expect(isKnownChatParam(name), name).toBe(false);
  });

  it('suggests the nearest known name for a slip, and nothing for a name that is far from all', () => {
    expect(nearestChatParam('temprature')).toBe('temperature');
    expect(nearestChatParam('Temperature')).toBe('temperature');
    expect(nearestChatParam('top-p')).toBe('top_p');
    expect(nearestChatParam('topk')).toBe('top_k');
    expect(nearestChatParam('max_token')).toBe('max_tokens');
    expect(nearestChatParam('frequency_penality')).toBe('frequency_penalty');
    expect(nearestChatParam('foo')).toBeUndefined();
    expect(nearestChatParam('banana_split_factor')).toBeUndefined();
    expect(nearestChatParam('x'.repeat(100_000))).toBeUndefined();
  });

  it('says what is unknown, what was meant and how to send it anyway', () => {
    expect(unknownParamMessage('temprature')).toMatch(/^unknown parameter "temprature"; did you mean temperature\? .*"allow_unknown_params": true on the target\)$/);
    expect(unknownParamMessage('foo', 'on every target')).toMatch(/^unknown parameter "foo" \(known: .*top_k.*on every target\)$/);
  });

  it('reports the first few unknown names of many', () => {
    const names = ['temperature', ...Array.from({ length: 10_000 }, (_, i) => `custom_${i}`)];
    const found = unknownParams(names);
    expect(found.map((f) => f.name)).toEqual(['custom_0', 'custom_1', 'custom_2', 'custom_3', 'custom_4']);
  });
});
