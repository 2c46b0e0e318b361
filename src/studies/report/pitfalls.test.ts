import { describe, expect, it } from 'vitest';
import { promptPassWarnings, spreadSample } from './pitfalls';

const items = [
  { prompt: 'Is Paris the capital of France? Answer yes or no, then name the city.', expected: 'Paris' },
  { prompt: 'Is Lima the capital of Peru? Name the city.', expected: 'Lima' },
  { prompt: 'What is the capital of Japan?', expected: 'Tokyo' },
  { prompt: 'No expected answer here' , expected: null },
];

describe('scorer pitfalls', () => {
  it('warns when a contains scorer passes the prompt itself on most items, with the share', () => {
    const [warning, ...rest] = promptPassWarnings([{ name: 'mentions', version: 2, kind: 'contains', config: { type: 'contains' } }], items);
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ code: 'prompt_passes_scorer', scorer: 'mentions', version: 2, kind: 'contains', items_checked: 3, items_passing: 2 });
    expect(warning!.share).toBeCloseTo(2 / 3, 12);
    expect(warning!.message).toMatch(/^Scorer "mentions" \(contains\) passes the question itself on 2 of 3 items checked \(67%\): the expected answer occurs verbatim in the prompt as sent/);
  });

  it('warns about a regex that matches the prompts, and says nothing of a scorer that tells answers from questions', () => {
    expect(promptPassWarnings([{ name: 'r', version: 1, kind: 'regex', config: { type: 'regex', pattern: 'capital' } }], items)[0]!.message).toMatch(/its pattern matches the prompt as sent/);
    expect(promptPassWarnings([{ name: 'x', version: 1, kind: 'normalized_exact', config: { type: 'normalized_exact' } }], items)).toEqual([]);
    expect(promptPassWarnings([{ name: 'c', version: 1, kind: 'contains', config: { type: 'contains' } }], items.slice(1))).toEqual([]);
    expect(promptPassWarnings([{ name: 'j', version: 1, kind: 'valid_json', config: { type: 'valid_json' } }], items)).toEqual([]);
  });

  it('checks an even spread of at most 200 items', () => {
    expect(spreadSample(3)).toEqual([0, 1, 2]);
    const spread = spreadSample(1000);
    expect(spread).toHaveLength(200);
    expect(spread.slice(0, 3)).toEqual([0, 5, 10]);
    expect(spread.at(-1)).toBe(995);
  });
});
