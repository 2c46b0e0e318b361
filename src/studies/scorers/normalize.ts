// Answer normalisation before comparison: each step is off unless the config turns it on.
import { z } from 'zod';

export const normalizationSchema = z
  .object({
    /** Unicode NFKC: full-width "ＡＢＣ" and "ﬁ" compare equal to "ABC" and "fi". */
    nfkc: z.boolean().default(false),
    /** Upper- then lower-case, so "Straße" and "STRASSE" both become "strasse". */
    case_fold: z.boolean().default(false),
    /** Removes every Unicode punctuation character (\p{P}); symbols such as $ + < = are kept. */
    strip_punctuation: z.boolean().default(false),
    /** Collapses runs of whitespace to one space and trims both ends. */
    whitespace: z.boolean().default(false),
  })
  .strict();

export type Normalization = z.output<typeof normalizationSchema>;

/** What "normalised exact" means when nothing else is said: every step on. */
export const FULL_NORMALIZATION: Normalization = { nfkc: true, case_fold: true, strip_punctuation: true, whitespace: true };

const PUNCTUATION = /\p{P}/gu;
const WHITESPACE_RUN = /\s+/gu;

/**
 * Applies the enabled steps in a fixed order: NFKC first (it can turn compatibility characters
 * into ASCII letters and punctuation that the later steps then see), then case, then
 * punctuation, then whitespace last (so "a , b" ends as "a b", not "a  b").
 */
export function normalizeAnswer(text: string, normalization: Normalization): string {
  let result = text;
  if (normalization.nfkc) result = result.normalize('NFKC');
  // toLowerCase alone keeps "ß" apart from "SS"; going through upper case applies the full
  // case mappings first, close to Unicode case folding without a folding table.
  if (normalization.case_fold) result = result.toUpperCase().toLowerCase();
  if (normalization.strip_punctuation) result = result.replace(PUNCTUATION, '');
  if (normalization.whitespace) result = result.replace(WHITESPACE_RUN, ' ').trim();
  return result;
}
