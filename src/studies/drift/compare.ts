// Two runs of a study compared cell by cell: what each run answered per item × target (every
// distinct compared answer, format failures and errors as categories of their own), whether that
// distribution moved (../statistics/drift), with Benjamini–Hochberg q-values over every tested cell,
// and per target the paired change in accuracy over the items both runs scored. Pure: no I/O.
import { answerDistributionDrift, benjaminiHochbergAdjust, monteCarloRowsByTwo, pairedDifferenceOf, type DriftMethod } from '../statistics';
import type { CellAnswerCount } from '../report/cells';
import type { Slicer } from '../../concurrency/time-slice';

/** What one run answered in one item × target cell. */
export interface CellTally {
  /** Compared answers (or raw answers without a scorer) and how often each was given. */
  answers: Map<string, number>;
  /** Answers with nothing to compare (the scorer extracted no answer). */
  formatFailures: number;
  /** Tasks that ended without an answer (the provider call failed). */
  errors: number;
  passes: number;
  scored: number;
}

/** The false discovery rate at which a cell is called drifted. */
export const DRIFT_Q = 0.05;
/** Answers listed per side of a cell; the rest are counted as `other`. */
export const LISTED_ANSWERS = 8;
/** Characters of an answer shown, and kept whole in memory (a longer one is its start and a hash of all of it). */
const SHOWN_ANSWER_CHARS = 200;

const FORMAT_FAILURE = '\u0000format failure';
const ERROR = '\u0000error';

export const emptyTally = (): CellTally => ({ answers: new Map(), formatFailures: 0, errors: 0, passes: 0, scored: 0 });

/** Adds aggregated answer rows (report/repository's scored or raw cell answers) to the tallies, by cell key. */
export function addAnswerRows(tallies: Map<number, CellTally>, rows: Iterable<CellAnswerCount>, key: (itemId: number, target: number) => number) {
  for (const row of rows) {
    const tally = tallyOf(tallies, key(row.item_id, row.target_index));
    if (row.answer === null) tally.formatFailures += row.n;
    else {
      const category = categoryOf(row.answer);
      tally.answers.set(category, (tally.answers.get(category) ?? 0) + row.n);
    }
    tally.passes += row.passes;
    tally.scored += row.scored;
  }
}

/**
 * The category of an answer: itself, or for a long one (raw answers are whole texts) its start and an
 * FNV-1a hash of all of it, so two runs of long answers are told apart without holding every text.
 */
export function categoryOf(answer: string): string {
  if (answer.length <= SHOWN_ANSWER_CHARS) return answer;
  let hash = 0x811c9dc5;
  for (let i = 0; i < answer.length; i++) hash = Math.imul(hash ^ answer.charCodeAt(i), 0x01000193);
  return `${answer.slice(0, SHOWN_ANSWER_CHARS)}\u0000${(hash >>> 0).toString(16)}`;
}

export function addErrors(tallies: Map<number, CellTally>, key: number, failed: number) {
  if (failed > 0) tallyOf(tallies, key).errors += failed;
}

function tallyOf(tallies: Map<number, CellTally>, key: number) {
  let tally = tallies.get(key);
  if (!tally) tallies.set(key, (tally = emptyTally()));
  return tally;
}

export interface SideDistribution {
  /** Answered samples, format failures and errors together. */
  n: number;
  answers: Array<{ answer: string; count: number }>;
  /** Samples whose answers are not listed. */
  other: number;
  format_failures: number;
  errors: number;
  /** passes / scored samples; null when nothing was scored. */
  accuracy: number | null;
}

export interface CellDrift {
  method: DriftMethod | null;
  p_value: number | null;
  tvd: number | null;
}

/** Simulated tables of a Monte Carlo test, as the statistics core draws by default. */
const SIMULATIONS = 2_000;
/** Rows drawn (simulations × categories) between two time slices: a cell of 2,000 categories stays a few ms per step. */
const DRAWS_PER_STEP = 20_000;

/**
 * The drift test of one cell: every answer, format failure and error a category. A Monte Carlo test
 * of many categories is drawn in steps, `slice` between them, each step seeded apart:
 * p = (1 + Σ as extreme) / (1 + Σ simulations), the same estimator over all 2,000 tables.
 */
export async function cellDrift(baseline: CellTally, current: CellTally, slice: Slicer = () => undefined): Promise<CellDrift> {
  const categories = new Map<string, { first: number; second: number }>();
  const add = (category: string, count: number, side: 'first' | 'second') => {
    if (count === 0) return;
    const entry = categories.get(category) ?? { first: 0, second: 0 };
    entry[side] += count;
    categories.set(category, entry);
  };
  for (const [side, tally] of [['first', baseline], ['second', current]] as const) {
    for (const [answer, count] of tally.answers) add(answer, count, side);
    add(FORMAT_FAILURE, tally.formatFailures, side);
    add(ERROR, tally.errors, side);
  }
  const perStep = Math.max(1, Math.min(SIMULATIONS, Math.floor(DRAWS_PER_STEP / Math.max(1, categories.size))));
  const drift = answerDistributionDrift([...categories].map(([category, counts]) => ({ category, ...counts })), { seed: 1, simulations: perStep });
  let p = drift.p_value;
  if (drift.method === 'monte-carlo-exact' && perStep < SIMULATIONS) {
    const rows = [...categories.values()].map(({ first, second }) => [first, second] as [number, number]);
    let asExtreme = Math.round(p! * (1 + perStep)) - 1;
    let simulations = perStep;
    for (let seed = 2; simulations < SIMULATIONS; seed++) {
      await slice();
      const step = Math.min(perStep, SIMULATIONS - simulations);
      asExtreme += Math.round(monteCarloRowsByTwo(rows, { seed, simulations: step }).p_value * (1 + step)) - 1;
      simulations += step;
    }
    p = (1 + asExtreme) / (1 + simulations);
  }
  return { method: drift.method, p_value: p, tvd: drift.total_variation };
}

/** What one run answered in a cell, as listed (built only for the cells a page shows). */
export function sideDistribution(tally: CellTally): SideDistribution {
  const sorted = [...tally.answers].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const listed = sorted.slice(0, LISTED_ANSWERS);
  const answered = sorted.reduce((sum, [, count]) => sum + count, 0);
  const shown = listed.reduce((sum, [, count]) => sum + count, 0);
  return {
    n: answered + tally.formatFailures + tally.errors,
    answers: listed.map(([answer, count]) => ({ answer: answer.length > SHOWN_ANSWER_CHARS ? `${answer.slice(0, SHOWN_ANSWER_CHARS)}…` : answer, count })),
    other: answered - shown,
    format_failures: tally.formatFailures,
    errors: tally.errors,
    accuracy: tally.scored ? tally.passes / tally.scored : null,
  };
}

/** Benjamini–Hochberg q-values of the cells that could be tested (a p-value), null for the rest; in input order. */
export function qValues(pValues: ReadonlyArray<number | null>): Array<number | null> {
  const tested = pValues.flatMap((p, i) => (p === null ? [] : [i]));
  const adjusted = benjaminiHochbergAdjust(tested.map((i) => pValues[i]!));
  const out = new Array<number | null>(pValues.length).fill(null);
  tested.forEach((i, rank) => { out[i] = adjusted[rank]!; });
  return out;
}

export interface AccuracyChange {
  /** Items both runs scored. */
  items: number;
  baseline: number | null;
  current: number | null;
  /** Mean over those items of (current accuracy − baseline accuracy), with its 95% paired-t interval. */
  difference: number | null;
  low: number | null;
  high: number | null;
  se: number | null;
  p_value: number | null;
  method: 'paired-t' | 'sign-test' | null;
}

/**
 * The paired change in accuracy of one target over the items both runs scored (pairedDifferenceOf:
 * d_i = current − baseline). When every item changed by the same amount (s_d = 0, e.g. answers that
 * reproduce exactly), the interval is that amount itself — SE is 0 — and the p-value the sign test's.
 */
export function accuracyChange(pairs: ReadonlyArray<readonly [number, number]>): AccuracyChange {
  const differences = pairs.map(([before, after]) => after - before);
  const paired = pairedDifferenceOf(differences);
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
  const degenerate = paired.method === 'sign-test';
  return {
    items: paired.items,
    baseline: mean(pairs.map(([before]) => before)),
    current: mean(pairs.map(([, after]) => after)),
    difference: paired.mean,
    low: degenerate ? paired.mean : paired.low,
    high: degenerate ? paired.mean : paired.high,
    se: paired.se,
    p_value: paired.p_value,
    method: paired.method,
  };
}

/** The item's accuracy in both runs, when both scored it. */
export function accuracyPair(baseline: CellTally | undefined, current: CellTally | undefined): [number, number] | null {
  if (!baseline?.scored || !current?.scored) return null;
  return [baseline.passes / baseline.scored, current.passes / current.scored];
}
