// How much one item's samples agree with each other: self-consistency and answer entropy, from the
// count of samples giving each distinct value.
import { requireCount, requirePositiveCount } from './numerics/input-checks';

/**
 * Self-consistency of one item: the share of its samples that give the modal value (Wang et al.
 * 2022). 1 when every sample agrees; 1/k when k samples all differ. Null with no samples.
 */
export function selfConsistency(counts: readonly number[]): number | null {
  const total = totalOf(counts);
  if (total === 0) return null;
  return counts.reduce((largest, count) => Math.max(largest, count), 0) / total;
}

/**
 * Shannon entropy of one item's answer distribution in bits, H = −Σ f·log₂ f (Shannon 1948):
 * 0 when every sample agrees, 1 for an even split between two values, log₂ k for k samples that
 * all differ. Unbounded above as answers spread, so comparable across items with the same number
 * of samples. Null with no samples.
 */
export function answerEntropyBits(counts: readonly number[]): number | null {
  const total = totalOf(counts);
  if (total === 0) return null;
  let entropy = 0;
  for (const count of counts) if (count > 0) entropy -= (count / total) * Math.log2(count / total);
  return entropy;
}

/**
 * Entropy scaled to [0, 1] by its largest possible value given the design, ln(min(k, possible
 * answers)) for k samples — not by ln(distinct answers observed), which is not monotone ([5,5]
 * would read 1.000 and the more spread [4,3,3] 0.991). Without `possibleAnswers` (free text)
 * the bound is k. 0 when at most one answer was possible. Null with no samples.
 */
export function normalizedEntropy(counts: readonly number[], possibleAnswers = Infinity): number | null {
  if (possibleAnswers !== Infinity) requirePositiveCount(possibleAnswers, 'possibleAnswers');
  const bits = answerEntropyBits(counts);
  if (bits === null) return null;
  const bound = Math.min(totalOf(counts), possibleAnswers);
  return bound <= 1 ? 0 : Math.min(1, bits / Math.log2(bound));
}

function totalOf(counts: readonly number[]): number {
  let total = 0;
  counts.forEach((count, i) => {
    requireCount(count, `counts[${i}]`);
    total += count;
  });
  return total;
}
