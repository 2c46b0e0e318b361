// Majority vote over an item's samples, with ties split evenly, and majority-vote accuracy over items.
import { requireConfidence, requireCount } from './numerics/input-checks';
import { wilsonInterval } from './wilson';

/** One sample as the scorer saw it: the value it compared (extracted, normalised) and its verdict. */
export interface VotedSample {
  value: string;
  passed: boolean;
}

export interface MajorityVote {
  /**
   * The item's credit in [0, 1]: the mean, over the tied modal values, of the share of that
   * value's samples that passed (1 or 0 when the scorer judges a value the same way every time).
   */
  credit: number;
  /** Every value with the top count, in code-unit order (for display; the order decides nothing). */
  modal_values: string[];
  modal_count: number;
  samples: number;
}

/**
 * The plurality ("majority") vote of one item's samples (self-consistency decoding, Wang et al.
 * 2022), counted over the value the scorer compares — the caller passes it already extracted and
 * normalised, and decides whether samples with no parsable value vote. A tie among the modal
 * values splits the item's credit evenly: credit = passing tied values / tied values. Breaking
 * the tie by sort order instead would bias every yes/no study toward whichever answer sorts
 * first. Null with no samples.
 */
export function majorityVote(samples: readonly VotedSample[]): MajorityVote | null {
  const tallies = new Map<string, ValueTally>();
  for (const { value, passed } of samples) {
    const tally = tallies.get(value) ?? { value, count: 0, passed: 0 };
    tally.count += 1;
    if (passed) tally.passed += 1;
    tallies.set(value, tally);
  }
  return majorityVoteOfTallies([...tallies.values()]);
}

/** One distinct value of an item's samples: how many samples gave it and how many of those passed. */
export interface ValueTally {
  value: string;
  count: number;
  passed: number;
}

/**
 * majorityVote from samples already counted per value (as SQL aggregates them): the same vote,
 * ties split the same way. Each value appears once; values with no samples are ignored.
 */
export function majorityVoteOfTallies(tallies: readonly ValueTally[]): MajorityVote | null {
  let samples = 0;
  let modal_count = 0;
  tallies.forEach(({ count, passed }, i) => {
    requireCount(count, `tallies[${i}].count`);
    requireCount(passed, `tallies[${i}].passed`);
    if (passed > count) throw new RangeError(`tallies[${i}].passed (${passed}) cannot exceed its count (${count})`);
    samples += count;
    modal_count = Math.max(modal_count, count);
  });
  if (samples === 0) return null;
  const modal = tallies.filter((tally) => tally.count === modal_count);
  const credit = modal.reduce((sum, tally) => sum + tally.passed / tally.count, 0) / modal.length;
  const modal_values = modal.map(({ value }) => value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { credit, modal_values, modal_count, samples };
}

export interface MajorityVoteAccuracy {
  /** Mean credit over items: the share of items the vote gets right, ties counted fractionally. */
  estimate: number | null;
  low: number | null;
  high: number | null;
  method: 'wilson-items';
  items: number;
  credit: number;
}

/**
 * Majority-vote accuracy over items: the mean of the items' vote credits with the Wilson interval
 * over items (n items, Σ credit successes). Each item contributes one vote, so the items are the
 * independent units and no clustering is needed (Wilson 1927; Newcombe 1998, method 3).
 */
export function majorityVoteAccuracy(credits: readonly number[], confidence = 0.95): MajorityVoteAccuracy {
  requireConfidence(confidence);
  credits.forEach((credit, i) => {
    if (!(credit >= 0 && credit <= 1)) throw new RangeError(`credits[${i}] must be between 0 and 1, got ${credit}`);
  });
  const credit = credits.reduce((sum, c) => sum + c, 0);
  const wilson = wilsonInterval(credit, credits.length, confidence);
  return { ...wilson, method: 'wilson-items', items: credits.length, credit };
}
