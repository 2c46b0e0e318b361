// A study's statistics from what SQL aggregated: per item × target × answer counts become cells
// (distribution, modal answer, entropy, pass rate, majority vote), cells become per-target summaries,
// paired comparisons of targets and slices by item field. Pure: no I/O, deterministic for a seed.
import { mcnemarExact, modalAnswer, normalizedEntropy, pairedBootstrapDifference, wilsonInterval, type Interval } from './statistics';

export interface CellAnswerCount {
  item_id: number;
  target_index: number;
  /** The answer as compared; null when nothing could be extracted from it. */
  answer: string | null;
  n: number;
  /** Samples giving this answer that passed, and that could be scored at all. */
  passes: number;
  scored: number;
}

export interface CellStats {
  item_id: number;
  target_index: number;
  /** Answered samples. */
  n: number;
  scored: number;
  passes: number;
  pass_rate: number | null;
  /** The most frequent answers (at most TOP_ANSWERS), each with its count and how many of them passed. */
  distribution: Array<{ answer: string | null; count: number; passes: number; scored: number }>;
  /** Samples whose answer is not among `distribution`. */
  other: number;
  distinct: number;
  modal: { answer: string | null; count: number; share: number } | null;
  entropy: number | null;
  /** Whether the majority-vote answer passes (more than half of its samples do); null when it cannot be scored. */
  majority_correct: boolean | null;
}

export const TOP_ANSWERS = 8;
// Null answers ("nothing extracted") sort after every real answer, so a tie goes to a real answer.
const NO_ANSWER = '\uffff\uffff';

/** Cells from per-answer rows; rows of one cell may come in any order and in several pieces. */
export function buildCells(rows: Iterable<CellAnswerCount>): Map<string, CellStats> {
  const grouped = new Map<string, CellAnswerCount[]>();
  for (const row of rows) {
    const key = cellKey(row.item_id, row.target_index);
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    list.push(row);
  }
  const cells = new Map<string, CellStats>();
  for (const [key, list] of grouped) cells.set(key, cellStats(list));
  return cells;
}

export const cellKey = (itemId: number, targetIndex: number) => `${itemId}:${targetIndex}`;

function cellStats(rows: CellAnswerCount[]): CellStats {
  const byAnswer = new Map<string, { answer: string | null; count: number; passes: number; scored: number }>();
  for (const row of rows) {
    const key = row.answer ?? NO_ANSWER;
    const entry = byAnswer.get(key) ?? { answer: row.answer, count: 0, passes: 0, scored: 0 };
    entry.count += row.n;
    entry.passes += row.passes;
    entry.scored += row.scored;
    byAnswer.set(key, entry);
  }
  const entries = [...byAnswer.entries()].sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
  const n = entries.reduce((sum, e) => sum + e.count, 0);
  const scored = entries.reduce((sum, e) => sum + e.scored, 0);
  const passes = entries.reduce((sum, e) => sum + e.passes, 0);
  const mode = modalAnswer([...byAnswer].map(([answer, e]) => ({ answer, count: e.count })));
  const top = mode ? byAnswer.get(mode.answer)! : null;
  const shown = entries.slice(0, TOP_ANSWERS);
  return {
    item_id: rows[0]!.item_id,
    target_index: rows[0]!.target_index,
    n,
    scored,
    passes,
    pass_rate: scored ? passes / scored : null,
    distribution: shown,
    other: n - shown.reduce((sum, e) => sum + e.count, 0),
    distinct: entries.length,
    modal: mode && top ? { answer: top.answer, count: mode.count, share: mode.share } : null,
    entropy: normalizedEntropy(entries.map((e) => e.count)),
    majority_correct: top?.scored ? top.passes * 2 > top.scored : null,
  };
}

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

export interface HumanAgreement {
  labelled: number;
  compared: number;
  agree: number;
}

export interface TargetSummary extends TargetTasks {
  target_index: number;
  pending: number;
  failure_rate: number | null;
  /** Answered samples, samples scored and passes among them. */
  samples: number;
  scored: number;
  passes: number;
  /** passes / scored with a Wilson 95% interval (samples taken as independent). */
  accuracy: Interval;
  /** Items whose majority-vote answer passes, over items with a scorable majority vote. */
  majority: { items: number; correct: number; accuracy: Interval };
  /** Mean share of the modal answer per item. */
  self_consistency: number | null;
  mean_entropy: number | null;
  human: HumanAgreement & { agreement: number | null };
}

export function summariseTargets(targetCount: number, cells: Iterable<CellStats>, tasks: TargetTasks[], human: HumanAgreement[]): TargetSummary[] {
  const sums = Array.from({ length: targetCount }, () => ({ samples: 0, scored: 0, passes: 0, voted: 0, correct: 0, consistency: 0, cells: 0, entropy: 0, entropyCells: 0 }));
  for (const cell of cells) {
    const sum = sums[cell.target_index];
    if (!sum || cell.n === 0) continue;
    sum.samples += cell.n;
    sum.scored += cell.scored;
    sum.passes += cell.passes;
    sum.cells++;
    sum.consistency += cell.modal?.share ?? 0;
    if (cell.entropy !== null) {
      sum.entropy += cell.entropy;
      sum.entropyCells++;
    }
    if (cell.majority_correct !== null) {
      sum.voted++;
      if (cell.majority_correct) sum.correct++;
    }
  }
  return sums.map((sum, t) => {
    const task = tasks[t]!;
    const finished = task.success + task.failed;
    const people = human[t] ?? { labelled: 0, compared: 0, agree: 0 };
    return {
      target_index: t,
      ...task,
      pending: task.tasks - finished,
      failure_rate: finished ? task.failed / finished : null,
      samples: sum.samples,
      scored: sum.scored,
      passes: sum.passes,
      accuracy: wilsonInterval(sum.passes, sum.scored),
      majority: { items: sum.voted, correct: sum.correct, accuracy: wilsonInterval(sum.correct, sum.voted) },
      self_consistency: sum.cells ? sum.consistency / sum.cells : null,
      mean_entropy: sum.entropyCells ? sum.entropy / sum.entropyCells : null,
      human: { ...people, agreement: people.compared ? people.agree / people.compared : null },
    };
  });
}

export interface PairComparison {
  a: number;
  b: number;
  /** Items both targets answered; of those, how often their majority-vote answers are the same. */
  items: number;
  answer_agreement: number | null;
  /** Majority-vote correctness on the items both can be scored on. */
  both_correct: number;
  only_a: number;
  only_b: number;
  neither: number;
  /** Exact McNemar test on only_a and only_b. */
  mcnemar_p: number | null;
  /** Mean per-item accuracy over samples, a minus b, with a paired bootstrap 95% interval over items. */
  accuracy_difference: { difference: number | null; low: number | null; high: number | null; items: number };
  /** Items where exactly one of the two majority votes passes (in item order, at most 100). */
  disagreeing_items: number[];
  disagreeing_count: number;
}

export const MAX_LISTED_DISAGREEMENTS = 100;

/** Compares targets a and b on the items they share; `itemIds` in item order. */
export function comparePair(cells: Map<string, CellStats>, itemIds: readonly number[], a: number, b: number, seed: number): PairComparison {
  let items = 0;
  let sameAnswer = 0;
  const counts = { both: 0, onlyA: 0, onlyB: 0, neither: 0 };
  const accuracyPairs: Array<[number, number]> = [];
  const disagreeing: number[] = [];
  for (const itemId of itemIds) {
    const x = cells.get(cellKey(itemId, a));
    const y = cells.get(cellKey(itemId, b));
    if (!x?.modal || !y?.modal) continue;
    items++;
    if (x.modal.answer === y.modal.answer) sameAnswer++;
    if (x.scored && y.scored) accuracyPairs.push([x.passes / x.scored, y.passes / y.scored]);
    if (x.majority_correct === null || y.majority_correct === null) continue;
    if (x.majority_correct && y.majority_correct) counts.both++;
    else if (x.majority_correct) counts.onlyA++;
    else if (y.majority_correct) counts.onlyB++;
    else counts.neither++;
    if (x.majority_correct !== y.majority_correct) disagreeing.push(itemId);
  }
  const voted = counts.both + counts.onlyA + counts.onlyB + counts.neither;
  const difference = pairedBootstrapDifference(accuracyPairs, { seed });
  return {
    a,
    b,
    items,
    answer_agreement: items ? sameAnswer / items : null,
    both_correct: counts.both,
    only_a: counts.onlyA,
    only_b: counts.onlyB,
    neither: counts.neither,
    mcnemar_p: voted ? mcnemarExact(counts.onlyA, counts.onlyB).p_value : null,
    accuracy_difference: { ...difference, items: accuracyPairs.length },
    disagreeing_items: disagreeing.slice(0, MAX_LISTED_DISAGREEMENTS),
    disagreeing_count: disagreeing.length,
  };
}

/**
 * The pairs to compare: every pair while there are few targets; with more (a sweep), each target
 * against the most accurate one, so the work stays linear in the number of targets.
 */
export function pairsToCompare(summaries: readonly TargetSummary[], allPairsUpTo = 8): Array<[number, number]> {
  const n = summaries.length;
  if (n <= allPairsUpTo) return Array.from({ length: n }, (_, a) => Array.from({ length: n - a - 1 }, (_, k): [number, number] => [a, a + k + 1])).flat();
  const best = [...summaries].sort((x, y) => (y.accuracy.estimate ?? -1) - (x.accuracy.estimate ?? -1) || x.target_index - y.target_index)[0]!.target_index;
  return summaries.filter((s) => s.target_index !== best).map((s): [number, number] => [best, s.target_index]);
}

/**
 * Items on which the targets disagree: their majority votes differ in correctness when the cells are
 * scored, in answer when they are not. Items some target has not answered yet are left out.
 */
export function disagreeingItems(cells: Map<string, CellStats>, itemIds: readonly number[], targetCount: number): Set<number> {
  const found = new Set<number>();
  if (targetCount < 2) return found;
  for (const itemId of itemIds) {
    const row = Array.from({ length: targetCount }, (_, t) => cells.get(cellKey(itemId, t)));
    if (row.some((cell) => !cell?.modal)) continue;
    const scored = row.every((cell) => cell!.majority_correct !== null);
    const votes = new Set(row.map((cell) => (scored ? String(cell!.majority_correct) : (cell!.modal!.answer ?? NO_ANSWER))));
    if (votes.size > 1) found.add(itemId);
  }
  return found;
}

export interface SliceValue {
  value: string;
  items: number;
  targets: Array<{ target_index: number; scored: number; passes: number; accuracy: Interval; self_consistency: number | null }>;
}

export interface Slice {
  field: string;
  values: SliceValue[];
}

/** A field with more distinct values than this is an identifier, not a slice. */
export const MAX_SLICE_VALUES = 50;

/** Per item field and value: each target's accuracy over samples on those items. */
export function sliceByFields(items: ReadonlyArray<{ id: number; fields: Record<string, unknown> | null }>, cells: Map<string, CellStats>, targetCount: number): Slice[] {
  const fields = new Map<string, Map<string, number[]>>();
  for (const item of items) {
    for (const [field, raw] of Object.entries(item.fields ?? {})) {
      const value = raw === null ? '(none)' : String(raw);
      let values = fields.get(field);
      if (!values) fields.set(field, (values = new Map()));
      let ids = values.get(value);
      if (!ids) values.set(value, (ids = []));
      ids.push(item.id);
    }
  }
  const slices: Slice[] = [];
  for (const [field, values] of [...fields].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (values.size > MAX_SLICE_VALUES) continue;
    const sliceValues = [...values].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([value, ids]) => ({
      value,
      items: ids.length,
      targets: Array.from({ length: targetCount }, (_, t) => {
        let scored = 0;
        let passes = 0;
        let consistency = 0;
        let answered = 0;
        for (const id of ids) {
          const cell = cells.get(cellKey(id, t));
          if (!cell?.modal) continue;
          scored += cell.scored;
          passes += cell.passes;
          consistency += cell.modal.share;
          answered++;
        }
        return { target_index: t, scored, passes, accuracy: wilsonInterval(passes, scored), self_consistency: answered ? consistency / answered : null };
      }),
    }));
    slices.push({ field, values: sliceValues });
  }
  return slices;
}

/** One sample of a cell as the cell view shows it: its task, its answer, its score and its latest human label. */
export interface CellCall {
  task_id: number;
  sample_index: number;
  status: string;
  call_id: number | null;
  text: string | null;
  error_class: string | null;
  latency_ms: number | null;
  answer: string | null;
  pass: number | null;
  value: number | null;
  label: string | null;
  human_pass: number | null;
  human_label: string | null;
  human_value: number | null;
}
