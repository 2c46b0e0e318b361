// Per-target figures of a study, over items: accuracy with the item-clustered interval (and the
// sample-level Wilson beside it, named for what it is), majority-vote accuracy with ties split,
// self-consistency and entropy, pass@k / pass^k, cost per correct answer, agreement with human
// labels, and the same accuracy per value of each item field. Pure: no I/O.
import {
  costPerCorrect,
  itemAccuracy,
  majorityVoteAccuracy,
  passAtK,
  passHatK,
  sampleLevelWilson,
  type CostPerCorrect,
  type ItemAccuracy,
  type ItemTally,
  type MajorityVoteAccuracy,
  type SampleLevelWilson,
} from '../statistics';
import { cellKey, type CellStats } from './cells';
import { emptyHumanTable, humanAgreement, type HumanAgreement, type HumanTable } from './agreement';

export interface TargetTasks {
  tasks: number;
  success: number;
  failed: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
  priced_calls: number;
}

export interface StudyItem {
  id: number;
  key: string;
  fields: Record<string, unknown> | null;
}

/** What a cell's tasks cost at capture: summed over its tasks, with how many of its answers were priced. */
export interface CellCost {
  cost: number;
  priced: number;
  answered: number;
}

export interface RepeatPoint {
  k: number;
  pass_at_k: number;
  pass_hat_k: number;
  /** Items with at least k scored samples: the ones this point averages over. */
  items: number;
}

export type TargetAccuracy = ItemAccuracy & { cluster_by: string | null };

export interface TargetSummary extends TargetTasks {
  target_index: number;
  pending: number;
  failure_rate: number | null;
  /** Answered samples, samples scored and passes among them. */
  samples: number;
  scored: number;
  passes: number;
  coverage: { items: number; answered: number; scored: number };
  accuracy: TargetAccuracy;
  accuracy_samples_wilson: SampleLevelWilson;
  majority: MajorityVoteAccuracy & { tied_items: number };
  self_consistency: number | null;
  mean_entropy_bits: number | null;
  repeats: RepeatPoint[];
  cost_per_correct: CostPerCorrect | null;
  human: HumanAgreement;
}

/** The cluster of an item: its value of the clustering field, or none (the item is its own cluster). */
export function clusterOf(item: StudyItem, clusterBy: string | null): string | undefined {
  if (clusterBy === null) return undefined;
  const value = item.fields?.[clusterBy];
  return value === undefined || value === null ? undefined : String(value);
}

/** The k at which pass@k and pass^k are reported: 1–10, then 20, 50, 100, 200, 500, 1000, and the most samples. */
export function repeatKs(maxSamples: number): number[] {
  const ks = new Set<number>();
  for (let k = 1; k <= Math.min(10, maxSamples); k++) ks.add(k);
  for (const k of [20, 50, 100, 200, 500, 1000]) if (k <= maxSamples) ks.add(k);
  if (maxSamples >= 1) ks.add(maxSamples);
  return [...ks].sort((a, b) => a - b);
}

/** pass@k and pass^k per k, each the mean over the items with at least k scored samples (Chen et al. 2021's estimator). */
export function repeatPoints(tallies: ReadonlyArray<{ passed: number; samples: number }>): RepeatPoint[] {
  const most = tallies.reduce((largest, t) => Math.max(largest, t.samples), 0);
  return repeatKs(most).map((k) => {
    let atK = 0;
    let hatK = 0;
    let items = 0;
    for (const { passed, samples } of tallies) {
      if (samples < k) continue;
      atK += passAtK(samples, passed, k);
      hatK += passHatK(samples, passed, k);
      items++;
    }
    return { k, pass_at_k: atK / items, pass_hat_k: hatK / items, items };
  });
}

export interface SummaryInput {
  targetCount: number;
  items: readonly StudyItem[];
  cells: Map<number, CellStats>;
  tasks: readonly TargetTasks[];
  costs: Map<number, CellCost>;
  human: readonly HumanTable[];
  clusterBy: string | null;
}

export function summariseTargets(input: SummaryInput): TargetSummary[] {
  return Array.from({ length: input.targetCount }, (_, t) => summariseTarget(input, t));
}

/** One target's summary (a study of many targets is summarised a target at a time, between time slices). */
export function summariseTarget(input: SummaryInput, t: number): TargetSummary {
  const { items, cells, clusterBy } = input;
  const task = input.tasks[t]!;
  const tallies: ItemTally[] = [];
  const costs: Array<{ cost: number; passed: number; cluster?: string }> = [];
  const credits: number[] = [];
  let samples = 0;
  let scored = 0;
  let passes = 0;
  let answered = 0;
  let tied = 0;
  let consistency = 0;
  let entropy = 0;
  for (const item of items) {
    const cell = cells.get(cellKey(item.id, t));
    if (!cell || cell.n === 0) continue;
    answered++;
    samples += cell.n;
    consistency += cell.modal!.share;
    entropy += cell.entropy_bits!;
    if (cell.scored === 0) continue;
    scored += cell.scored;
    passes += cell.passes;
    const cluster = clusterOf(item, clusterBy);
    tallies.push({ passed: cell.passes, samples: cell.scored, cluster });
    costs.push({ cost: input.costs.get(cellKey(item.id, t))?.cost ?? 0, passed: cell.passes, cluster });
    credits.push(cell.majority_credit!);
    if (cell.majority_credit! > 0 && cell.majority_credit! < 1) tied++;
  }
  const finished = task.success + task.failed;
  // Cost per correct needs every answer priced: an unpriced one would count as free.
  const priced = task.success > 0 && task.priced_calls === task.success;
  return {
    target_index: t,
    ...task,
    pending: task.tasks - finished,
    failure_rate: finished ? task.failed / finished : null,
    samples,
    scored,
    passes,
    coverage: { items: items.length, answered, scored: tallies.length },
    accuracy: { ...itemAccuracy(tallies), cluster_by: clusterBy },
    accuracy_samples_wilson: sampleLevelWilson(passes, scored),
    majority: { ...majorityVoteAccuracy(credits), tied_items: tied },
    self_consistency: answered ? consistency / answered : null,
    mean_entropy_bits: answered ? entropy / answered : null,
    repeats: repeatPoints(tallies),
    cost_per_correct: priced ? costPerCorrect(costs) : null,
    human: humanAgreement(input.human[t] ?? emptyHumanTable()),
  };
}

/** Accuracy over a slice's items: the figures of ItemAccuracy a breakdown needs (a wide study has thousands of them). */
export type SliceAccuracy = Pick<ItemAccuracy, 'estimate' | 'low' | 'high' | 'method' | 'items' | 'clusters'>;

export interface SliceValue {
  value: string;
  items: number;
  targets: Array<{ target_index: number; scored: number; passes: number; accuracy: SliceAccuracy; self_consistency: number | null }>;
}

export interface Slice {
  field: string;
  values: SliceValue[];
}

/** A field with more distinct values than this is an identifier, not a slice. */
export const MAX_SLICE_VALUES = 50;

/** Per item field and value: each target's accuracy over those items (clustered as the whole study is). */
export function sliceByFields(items: readonly StudyItem[], cells: Map<number, CellStats>, targetCount: number, clusterBy: string | null): Slice[] {
  return fieldValues(items).map(([field, values]) => sliceOfField(field, values, cells, targetCount, clusterBy));
}

/** Each item field (by name) with the items of each of its values; fields with more than MAX_SLICE_VALUES values are left out. */
export function fieldValues(items: readonly StudyItem[]): Array<[string, Map<string, StudyItem[]>]> {
  const fields = new Map<string, Map<string, StudyItem[]>>();
  for (const item of items) {
    for (const [field, raw] of Object.entries(item.fields ?? {})) {
      const value = raw === null ? '(none)' : String(raw);
      let values = fields.get(field);
      if (!values) fields.set(field, (values = new Map()));
      let list = values.get(value);
      if (!list) values.set(value, (list = []));
      list.push(item);
    }
  }
  return [...fields].filter(([, values]) => values.size <= MAX_SLICE_VALUES).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** One field's slice: per value, each target's accuracy and self-consistency over the value's items. */
export function sliceOfField(field: string, values: Map<string, StudyItem[]>, cells: Map<number, CellStats>, targetCount: number, clusterBy: string | null): Slice {
  return { field, values: sortedValues(values).map(([value, members]) => sliceValue(value, members, cells, targetCount, clusterBy)) };
}

/** A field's values in natural order ("level 2" before "level 10"). */
export function sortedValues(values: Map<string, StudyItem[]>): Array<[string, StudyItem[]]> {
  return [...values].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
}

/** One value of a field: each target's accuracy and self-consistency over its items. */
export function sliceValue(value: string, members: readonly StudyItem[], cells: Map<number, CellStats>, targetCount: number, clusterBy: string | null): SliceValue {
  return {
    value,
    items: members.length,
    targets: Array.from({ length: targetCount }, (_, t) => {
      const tallies: ItemTally[] = [];
      let scored = 0;
      let passes = 0;
      let consistency = 0;
      let answered = 0;
      for (const item of members) {
        const cell = cells.get(cellKey(item.id, t));
        if (!cell?.modal) continue;
        consistency += cell.modal.share;
        answered++;
        if (cell.scored === 0) continue;
        scored += cell.scored;
        passes += cell.passes;
        tallies.push({ passed: cell.passes, samples: cell.scored, cluster: clusterOf(item, clusterBy) });
      }
      const { estimate, low, high, method, items, clusters } = itemAccuracy(tallies);
      return { target_index: t, scored, passes, accuracy: { estimate, low, high, method, items, clusters }, self_consistency: answered ? consistency / answered : null };
    }),
  };
}
