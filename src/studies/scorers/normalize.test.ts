import { describe, expect, it } from 'vitest';
import { FULL_NORMALIZATION, normalizationSchema, normalizeAnswer } from './normalize';

const only = (step: keyof typeof FULL_NORMALIZATION) => normalizationSchema.parse({ [step]: true });

describe('answer normalisation', () => {
  it('changes nothing unless a step is turned on', () => {
    const config = normalizationSchema.parse({});
    expect(config).toEqual({ nfkc: false, case_fold: false, strip_punctuation: false, whitespace: false });
    expect(normalizeAnswer('  Ｐａｒｉｓ,  FRANCE! ', config)).toBe('  Ｐａｒｉｓ,  FRANCE! ');
  });

  it('folds full-width and compatibility characters with NFKC', () => {
    expect(normalizeAnswer('Ｐａｒｉｓ ﬁle ①', only('nfkc'))).toBe('Paris file 1');
  });

  it('folds case, including ß against SS and a final sigma written as σ', () => {
    expect(normalizeAnswer('Straße', only('case_fold'))).toBe('strasse');
    expect(normalizeAnswer('STRASSE', only('case_fold'))).toBe('strasse');
    expect(normalizeAnswer('\u03bf\u03b4\u03bf\u03c3', only('case_fold'))).toBe(normalizeAnswer('ΟΔΟΣ', only('case_fold')));
    expect(normalizeAnswer('ParIS', only('case_fold'))).toBe('paris');
  });

  it('strips Unicode punctuation but keeps symbols that carry meaning', () => {
    expect(normalizeAnswer('«Paris», ¿no?—sí… "U.S.A."', only('strip_punctuation'))).toBe('Paris nosí USA');
    expect(normalizeAnswer('$5 + 3 = 8', only('strip_punctuation'))).toBe('$5 + 3 = 8');
  });

  it('collapses every kind of whitespace and trims', () => {
    expect(normalizeAnswer('\u00a0 New\t\n York\u2003 City  ', only('whitespace'))).toBe('New York City');
  });

  it('applies all steps in order, so punctuation between spaces leaves a single space', () => {
    expect(normalizeAnswer('  THE  Answer , IS:  Ｐａｒｉｓ!  ', FULL_NORMALIZATION)).toBe('the answer is paris');
  });

  it('rejects unknown steps and non-boolean values, naming the field', () => {
    const unknown = normalizationSchema.safeParse({ casefold: true });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error?.issues)).toMatch(/casefold/);
    const wrongType = normalizationSchema.safeParse({ whitespace: 'yes' });
    expect(wrongType.error?.issues[0]?.path).toEqual(['whitespace']);
  });
});
