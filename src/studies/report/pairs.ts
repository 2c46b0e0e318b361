// Every pair of targets compared on the items both answered: the paired t over per-item accuracy
// differences (with its power), the exact McNemar test on majority votes beside it, and the
// p-values adjusted over the family of comparisons (Holm or Benjamini–Hochberg), the study's
// primary contrast left out of the family. Pure: no I/O.
import {
  benjaminiHochbergAdjust,
  holmAdjust,
  itemsNeededForEffect,
  mcnemarExact,
  pairedDifferenceOf,
  type PairedComparison,
} from '../statistics';
import { cellKey, modalKey, type CellStats } from './cells';

/** One target's per-item figures in item order, so comparing a pair is a pass over arrays. NaN: no figure. */
export interface TargetVectors {
  /** passes / scored samples of the item. */
  accuracy: Float64Array;
  /** The majority vote's credit. */
  credit: Float64Array;
  /** The modal answers, for answer agreement; undefined when the item has no answer. */
  modal: Array<string | undefined>;
}

export function targetVectors(cells: Map<number, CellStats>, itemIds: readonly number[], targetCount: number): TargetVectors[] {
  return Array.from({ length: targetCount }, (_, t) => targetVector(cells, itemIds, t));
}

/** One target's vectors (a wide study builds them a target at a time, between time slices). */
export function targetVector(cells: Map<number, CellStats>, itemIds: readonly number[], t: number): TargetVectors {
  const accuracy = new Float64Array(itemIds.length).fill(Number.NaN);
  const credit = new Float64Array(itemIds.length).fill(Number.NaN);
  const modal = new Array<string | undefined>(itemIds.length);
  itemIds.forEach((itemId, i) => {
    const cell = cells.get(cellKey(itemId, t));
    if (!cell?.modal) return;
    modal[i] = modalKey(cell);
    if (cell.scored) accuracy[i] = cell.passes / cell.scored;
    if (cell.majority_credit !== null) credit[i] = cell.majority_credit;
  });
  return { accuracy, credit, modal };
}

export type AdjustMethod = 'holm' | 'bh';

export interface AccuracyDifference extends Omit<PairedComparison, 'mean'> {
  /** Mean over items both scored of (accuracy of a − accuracy of b). */
  difference: number | null;
  /** Items both targets need for a paired t to detect `effect` with 80% power at α = .05, from this pair's s_d. */
  items_needed: number | null;
  /** The p-value adjusted over the family of non-primary pairs; null for the primary pair. */
  p_adjusted: number | null;
}

export interface MajorityVoteMcNemar {
  /** Items both voted on whose votes are decided (credit 0 or 1 for both): the test's population. */
  items: number;
  /** Items both voted on left out because a tie split one of the votes. */
  tied_items: number;
  both_correct: number;
  only_a: number;
  only_b: number;
  neither: number;
  p_value: number | null;
}

export interface PairComparison {
  a: number;
  b: number;
  primary: boolean;
  /** Items both targets answered. */
  items: number;
  /** Of those, the share where both give the same most frequent answer(s). */
  answer_agreement: number | null;
  accuracy_difference: AccuracyDifference;
  majority_vote_mcnemar: MajorityVoteMcNemar;
  /** Items where exactly one majority vote passes (in item order, at most `listed`). */
  disagreeing_items: number[];
  disagreeing_count: number;
}

/** Disagreeing items listed per pair: up to 100, fewer when there are many pairs (5,000 in all, at least 10 each). */
export const listedDisagreements = (pairs: number) => Math.max(10, Math.min(100, Math.floor(5_000 / Math.max(1, pairs))));

/** Every pair of targets once (a < b), the primary pair in its given order and first. */
export function pairsToCompare(targetCount: number, primary: readonly [number, number] | null): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const isPrimary = (a: number, b: number) => primary !== null && ((primary[0] === a && primary[1] === b) || (primary[0] === b && primary[1] === a));
  if (primary && primary[0] < targetCount && primary[1] < targetCount && primary[0] !== primary[1]) pairs.push([primary[0], primary[1]]);
  for (let a = 0; a < targetCount; a++) for (let b = a + 1; b < targetCount; b++) if (!isPrimary(a, b)) pairs.push([a, b]);
  return pairs;
}

/**
 * Compares targets a and b over `itemIds` (the order of the vectors). `differences` is a buffer of
 * at least itemIds.length, reused across pairs. p_adjusted and items_needed are filled in by
 * adjustFamily, which sees the whole family.
 */
export function comparePair(
  vectors: readonly TargetVectors[],
  itemIds: readonly number[],
  a: number,
  b: number,
  options: { primary: boolean; listed: number; differences: Float64Array },
): PairComparison {
  const x = vectors[a]!;
  const y = vectors[b]!;
  let items = 0;
  let sameAnswer = 0;
  let scoredBoth = 0;
  const votes = { both: 0, onlyA: 0, onlyB: 0, neither: 0, tied: 0 };
  const disagreeing: number[] = [];
  for (let i = 0; i < itemIds.length; i++) {
    if (x.modal[i] === undefined || y.modal[i] === undefined) continue;
    items++;
    if (x.modal[i] === y.modal[i]) sameAnswer++;
    if (!Number.isNaN(x.accuracy[i]!) && !Number.isNaN(y.accuracy[i]!)) options.differences[scoredBoth++] = x.accuracy[i]! - y.accuracy[i]!;
    const cx = x.credit[i]!;
    const cy = y.credit[i]!;
    if (Number.isNaN(cx) || Number.isNaN(cy)) continue;
    if ((cx !== 0 && cx !== 1) || (cy !== 0 && cy !== 1)) {
      votes.tied++;
      continue;
    }
    if (cx === 1 && cy === 1) votes.both++;
    else if (cx === 1) votes.onlyA++;
    else if (cy === 1) votes.onlyB++;
    else votes.neither++;
    if (cx !== cy) disagreeing.push(itemIds[i]!);
  }
  const { mean, ...paired } = pairedDifferenceOf(options.differences.subarray(0, scoredBoth));
  // A difference of two accuracies lies in [−1, 1]: with few items the t interval reaches past that.
  if (paired.low !== null) paired.low = Math.max(-1, paired.low);
  if (paired.high !== null) paired.high = Math.min(1, paired.high);
  const decided = votes.both + votes.onlyA + votes.onlyB + votes.neither;
  return {
    a,
    b,
    primary: options.primary,
    items,
    answer_agreement: items ? sameAnswer / items : null,
    accuracy_difference: { difference: mean, ...paired, items_needed: null, p_adjusted: null },
    majority_vote_mcnemar: {
      items: decided,
      tied_items: votes.tied,
      both_correct: votes.both,
      only_a: votes.onlyA,
      only_b: votes.onlyB,
      neither: votes.neither,
      p_value: decided ? mcnemarExact(votes.onlyA, votes.onlyB).p_value : null,
    },
    disagreeing_items: disagreeing.slice(0, options.listed),
    disagreeing_count: disagreeing.length,
  };
}

export interface ComparisonFamily {
  adjust: AdjustMethod;
  /** Pairs whose p-values were adjusted together (the primary pair and pairs without a p-value are not). */
  family_size: number;
  primary: [number, number] | null;
  effect: number;
}

/**
 * The pairs with p_adjusted over the family of non-primary pairs that have a p-value, and
 * items_needed for `effect`. Returns new objects; the pairs given are kept as they are.
 */
export function adjustFamily(pairs: readonly PairComparison[], adjust: AdjustMethod, effect: number): { pairs: PairComparison[]; family: Omit<ComparisonFamily, 'primary'> } {
  const members = pairs.flatMap((pair, i) => (!pair.primary && pair.accuracy_difference.p_value !== null ? [i] : []));
  const raw = members.map((i) => pairs[i]!.accuracy_difference.p_value!);
  const adjusted = adjust === 'bh' ? benjaminiHochbergAdjust(raw) : holmAdjust(raw);
  const byPair = new Map(members.map((pairIndex, k) => [pairIndex, adjusted[k]!]));
  const result = pairs.map((pair, i) => {
    const { sd } = pair.accuracy_difference;
    return {
      ...pair,
      accuracy_difference: {
        ...pair.accuracy_difference,
        items_needed: sd === null ? null : itemsNeededForEffect(sd, effect),
        p_adjusted: byPair.get(i) ?? null,
      },
    };
  });
  return { pairs: result, family: { adjust, family_size: members.length, effect } };
}
