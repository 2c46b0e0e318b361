// Accuracy with human labels overruling the scorer: per cell, a call a human labelled counts as the
// human said (pass or fail), whatever the scorer said or whether it could score it at all; the other
// calls keep the scorer's verdict. The interval is the same item-clustered one as accuracy's. Pure.
import { itemAccuracy, type ItemAccuracy, type ItemTally } from '../statistics';
import type { HumanTable } from './agreement';
import { cellKey, type CellStats } from './cells';
import { clusterOf, type StudyItem } from './target-summary';

export type HumanAdjustedAccuracy = ItemAccuracy & {
  cluster_by: string | null;
  /** Labelled calls counted as the human said (latest label of each call, pass or fail). */
  labels: number;
  /** Of those, calls where the label overruled a scorer verdict the other way. */
  overruled: number;
  /** Of those, answered calls the scorer could not score, now counted. */
  added: number;
};

/** One cell's passes and scored samples once its human labels overrule the scorer. */
export function adjustedTally(cell: Pick<CellStats, 'passes' | 'scored'> | undefined, human: HumanTable | undefined) {
  const passes = cell?.passes ?? 0;
  const scored = cell?.scored ?? 0;
  if (!human) return { passes, scored };
  return {
    passes: passes - human.human_fail_scorer_pass + human.human_pass_scorer_fail + human.human_pass_unscored,
    scored: scored + human.human_pass_unscored + human.human_fail_unscored,
  };
}

export function humanAdjustedAccuracy(
  items: readonly StudyItem[],
  cells: Map<number, CellStats>,
  human: Map<number, HumanTable>,
  t: number,
  clusterBy: string | null,
): HumanAdjustedAccuracy {
  const tallies: ItemTally[] = [];
  let labels = 0;
  let overruled = 0;
  let added = 0;
  for (const item of items) {
    const key = cellKey(item.id, t);
    const table = human.get(key);
    const { passes, scored } = adjustedTally(cells.get(key), table);
    if (table) {
      overruled += table.human_pass_scorer_fail + table.human_fail_scorer_pass;
      added += table.human_pass_unscored + table.human_fail_unscored;
      labels += table.compared + table.human_pass_unscored + table.human_fail_unscored;
    }
    if (scored > 0) tallies.push({ passed: passes, samples: scored, cluster: clusterOf(item, clusterBy) });
  }
  return { ...itemAccuracy(tallies), cluster_by: clusterBy, labels, overruled, added };
}
