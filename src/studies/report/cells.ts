// A study's cells from what SQL aggregated: per item × target × answer counts become one cell each
// (its answer distribution, modal answers, self-consistency, entropy in bits, pass rate and
// majority vote with ties split), and the items on which targets disagree. The answer counted is
// the one the scorer compared (see scoreAndCompare). Pure: no I/O.
import { answerEntropyBits, majorityVoteOfTallies, selfConsistency } from '../statistics';

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
  /** Every answer with the top count (several when tied), and the share of samples giving one of them each. */
  modal: { answers: Array<string | null>; count: number; share: number } | null;
  /** Shannon entropy of the answers in bits: 0 when all agree, log₂ k for k samples that all differ. */
  entropy_bits: number | null;
  /**
   * The majority vote's credit over the scored samples: 1 when the most frequent answer passes, 0
   * when it fails, between when tied answers split the credit (or an answer's samples were judged
   * differently). Null when no sample could be scored.
   */
  majority_credit: number | null;
  /** Whether the majority vote passes: true at credit 1, false at 0, null when tied, split or unscored. */
  majority_correct: boolean | null;
}

export const TOP_ANSWERS = 8;
// The key of "nothing extracted": no real answer is it, and it sorts after every real answer (display order only).
const NO_ANSWER = '\uffff\uffff(none)';

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
  // Most frequent first; equal counts in code-unit order, for a stable display only (nothing is decided by it).
  const entries = [...byAnswer.entries()].sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
  const counts = entries.map((e) => e.count);
  const n = counts.reduce((sum, count) => sum + count, 0);
  const scored = entries.reduce((sum, e) => sum + e.scored, 0);
  const passes = entries.reduce((sum, e) => sum + e.passes, 0);
  const topCount = entries[0]?.count ?? 0;
  const shown = entries.slice(0, TOP_ANSWERS);
  // The vote is over the scored samples: an answer never scored cannot give the item credit.
  const vote = majorityVoteOfTallies([...byAnswer].filter(([, e]) => e.scored > 0).map(([value, e]) => ({ value, count: e.scored, passed: e.passes })));
  const credit = vote?.credit ?? null;
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
    modal: n ? { answers: entries.filter((e) => e.count === topCount).map((e) => e.answer), count: topCount, share: selfConsistency(counts)! } : null,
    entropy_bits: answerEntropyBits(counts),
    majority_credit: credit,
    majority_correct: credit === 1 ? true : credit === 0 ? false : null,
  };
}

/** The modal answers of a cell as one comparable key (answer agreement between targets). */
export const modalKey = (cell: CellStats) => JSON.stringify(cell.modal?.answers ?? null);

/**
 * Items on which the targets disagree: their majority votes earn different credit when the cells
 * are scored, their modal answers differ when they are not. Items some target has not answered
 * yet are left out.
 */
export function disagreeingItems(cells: Map<string, CellStats>, itemIds: readonly number[], targetCount: number): Set<number> {
  const found = new Set<number>();
  if (targetCount < 2) return found;
  for (const itemId of itemIds) {
    const row = Array.from({ length: targetCount }, (_, t) => cells.get(cellKey(itemId, t)));
    if (row.some((cell) => !cell?.modal)) continue;
    const scored = row.every((cell) => cell!.majority_credit !== null);
    const votes = new Set(row.map((cell) => (scored ? String(cell!.majority_credit) : modalKey(cell!))));
    if (votes.size > 1) found.add(itemId);
  }
  return found;
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
