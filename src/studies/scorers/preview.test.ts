import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import { MAX_PREVIEW_SAMPLES, previewScorer } from './preview';

describe('previewScorer', () => {
  it('scores each sample through the real scorer, keeping each sample beside its result', () => {
    const preview = previewScorer({ name: 'answer', type: 'normalized_exact' }, [
      { answer: ' PARIS! ', expected: 'Paris' },
      { answer: 'Lyon', expected: ['Paris', 'Paree'] },
      { answer: 'Paris' },
    ]);
    expect(preview.previewed).toBe(true);
    if (!preview.previewed) return;
    expect(preview.scorer).toMatchObject({ name: 'answer', config: { type: 'normalized_exact' } });
    expect(preview.results.map(({ answer, result }) => [answer, result.pass, result.label])).toEqual([
      [' PARIS! ', true, 'paris'],
      ['Lyon', false, 'lyon'],
      ['Paris', null, null],
    ]);
    expect(preview.results[2]!.result.detail.error).toMatch(/no expected answer/);
  });

  it('checks a model scorer and says why it is not run', () => {
    const preview = previewScorer({ type: 'semantic', provider: 'openai', model: 'text-embedding-3-small', threshold: 0.8 }, [{ answer: 'x', expected: 'y' }]);
    expect(preview).toMatchObject({ previewed: false, reason: expect.stringMatching(/^semantic scorers are not previewed: scoring an answer would call a model/) });
  });

  it('refuses a bad config, expected answer or too many samples with a 400 naming the field', () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        return (error as AppError).message;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => previewScorer({ type: 'regex', pattern: '(a)\\1' }, []))).toMatch(/^scorer\.pattern: /);
    expect(refusal(() => previewScorer({ type: 'nope' }, [], 'scorers.3'))).toMatch(/^scorers\.3\.type: /);
    expect(refusal(() => previewScorer({ type: 'exact' }, [{ answer: 'a', expected: { no: 1 } }]))).toMatch(/^samples\.0\.expected: /);
    expect(refusal(() => previewScorer({ type: 'exact' }, Array(MAX_PREVIEW_SAMPLES + 1).fill({ answer: 'a' })))).toMatch(/^samples: at most 100/);
  });
});
