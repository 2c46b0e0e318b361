import { describe, expect, it } from 'vitest';
import { scanText } from '../../inference/prompt-fill';
import { DEFAULT_OUTPUT_TOKENS, expectedOutputTokens, inputTokens, reservedOutputTokens, tokensCostUsd, type ModelHistory } from './task-cost';

const none: ModelHistory = { calls: 0, meanOutputTokens: null, meanLatencyMs: null };
const seen: ModelHistory = { calls: 3, meanOutputTokens: 20, meanLatencyMs: 200 };

describe('task cost estimates', () => {
  it('counts input tokens as the bytes of the filled-in prompt / 4, rounded up', () => {
    expect(inputTokens({ prompt: 'abcdefgh' }, null)).toBe(2);
    expect(inputTokens({ prompt: 'abcdefghi' }, null)).toBe(3);
    // "Answer: " (8 bytes) + "abcd" (4) filled into the template: 12 bytes.
    expect(inputTokens({ prompt: 'abcd' }, scanText('Answer: {user_input}'))).toBe(3);
    // A var filled into the prompt: "hi Peru" is 7 bytes.
    expect(inputTokens({ prompt: 'hi {c}', vars: { c: 'Peru' } }, null)).toBe(2);
    // Messages are counted as sent, JSON and all.
    const messages = [{ role: 'user' as const, content: 'abcd' }];
    expect(inputTokens({ messages }, null)).toBe(Math.ceil(JSON.stringify(messages).length / 4));
  });

  it('expects the mean output of the history (never above max_tokens), else max_tokens, else the default', () => {
    expect(expectedOutputTokens({}, seen)).toEqual({ tokens: 20, basis: 'history' });
    expect(expectedOutputTokens({ max_tokens: 5 }, seen)).toEqual({ tokens: 5, basis: 'history' });
    expect(expectedOutputTokens({ max_completion_tokens: 64 }, none)).toEqual({ tokens: 64, basis: 'max_tokens' });
    expect(expectedOutputTokens({}, none)).toEqual({ tokens: DEFAULT_OUTPUT_TOKENS, basis: 'default' });
  });

  it('reserves a task under a cap at max_tokens when the target sets it, the most it can answer', () => {
    expect(reservedOutputTokens({ max_tokens: 50 }, seen)).toBe(50);
    expect(reservedOutputTokens({}, seen)).toBe(20);
    expect(reservedOutputTokens({}, none)).toBe(DEFAULT_OUTPUT_TOKENS);
  });

  it('prices tokens per million, and at 0 without a price', () => {
    expect(tokensCostUsd({ inputUsdPerMillion: 2, outputUsdPerMillion: 10 }, 1_000, 100)).toBeCloseTo(0.003, 12);
    expect(tokensCostUsd(undefined, 1_000, 100)).toBe(0);
  });
});
