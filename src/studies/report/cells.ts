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
export function buildCells(rows: Iterable<CellAnswerCount>): Map<number, CellStats> {
  const grouped = new Map<number, CellAnswerCount[]>();
  // SQL gives a cell's rows one after another: look the cell up only when the cell changes.
  let list: CellAnswerCount[] | undefined;
  let item = Number.NaN;
  let target = Number.NaN;
  for (const row of rows) {
    if (row.item_id !== item || row.target_index !== target) {
      item = row.item_id;
      target = row.target_index;
      const key = cellKey(item, target);
      list = grouped.get(key);
      if (!list) grouped.set(key, (list = []));
    }
    list!.push(row);
  }
  const cells = new Map<number, CellStats>();
  for (const [key, rowsOfCell] of grouped) cells.set(key, cellStats(rowsOfCell));
  return cells;
}

/** A cell's key in the maps of a report: a number, not a string, so millions of lookups allocate nothing. */
export const cellKey = (itemId: number, targetIndex: number) => itemId * CELL_KEY_TARGETS + targetIndex;
// Above MAX_STUDY_TARGETS (100): every target index of a study fits below it.
const CELL_KEY_TARGETS = 1024;

type AnswerEntry = { answer: string | null; count: number; passes: number; scored: number };
const keyOf = (answer: string | null) => answer ?? NO_ANSWER;

/** Each distinct answer once, most frequent first; equal counts in code-unit order, for a stable display only (nothing is decided by it). */
function answerEntries(rows: CellAnswerCount[]): AnswerEntry[] {
  if (rows.length === 1) return [{ answer: rows[0]!.answer, count: rows[0]!.n, passes: rows[0]!.passes, scored: rows[0]!.scored }];
  const byAnswer = new Map<string, AnswerEntry>();
  for (const row of rows) {
    const key = keyOf(row.answer);
    const entry = byAnswer.get(key);
    if (entry) {
      entry.count += row.n;
      entry.passes += row.passes;
      entry.scored += row.scored;
    } else byAnswer.set(key, { answer: row.answer, count: row.n, passes: row.passes, scored: row.scored });
  }
  const entries = [...byAnswer.values()];
  entries.sort((x, y) => {
    if (x.count !== y.count) return y.count - x.count;
    const a = keyOf(x.answer);
    const b = keyOf(y.answer);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return entries;
}

function cellStats(rows: CellAnswerCount[]): CellStats {
  const entries = answerEntries(rows);
  const counts = entries.map((e) => e.count);
  let n = 0;
  let scored = 0;
  let passes = 0;
  for (const e of entries) {
    n += e.count;
    scored += e.scored;
    passes += e.passes;
  }
  const topCount = entries[0]?.count ?? 0;
  const shown = entries.length > TOP_ANSWERS ? entries.slice(0, TOP_ANSWERS) : entries;
  let shownCount = 0;
  for (const e of shown) shownCount += e.count;
  // The vote is over the scored samples: an answer never scored cannot give the item credit.
  const vote = majorityVoteOfTallies(entries.filter((e) => e.scored > 0).map((e) => ({ value: keyOf(e.answer), count: e.scored, passed: e.passes })));
  const credit = vote?.credit ?? null;
  return {
    item_id: rows[0]!.item_id,
    target_index: rows[0]!.target_index,
    n,
    scored,
    passes,
    pass_rate: scored ? passes / scored : null,
    distribution: shown,
    other: n - shownCount,
    distinct: entries.length,
    modal: n ? { answers: entries.filter((e) => e.count === topCount).map((e) => e.answer), count: topCount, share: selfConsistency(counts)! } : null,
    entropy_bits: answerEntropyBits(counts),
    majority_credit: credit,
    majority_correct: credit === 1 ? true : credit === 0 ? false : null,
  };
}

/** The modal answers of a cell as one comparable key (answer agreement between targets). */
export function modalKey(cell: CellStats): string {
  const answers = cell.modal?.answers ?? [];
  return answers.length === 1 ? keyOf(answers[0]!) : answers.map(keyOf).join('\u0000');
}

/**
 * Items on which the targets disagree: their majority votes earn different credit when the cells
 * are scored, their modal answers differ when they are not. Items some target has not answered
 * yet are left out.
 */
export function disagreeingItems(cells: Map<number, CellStats>, itemIds: readonly number[], targetCount: number): Set<number> {
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
  /** The latest human label's detail (JSON text: its note). */
  human_detail: string | null;
}
