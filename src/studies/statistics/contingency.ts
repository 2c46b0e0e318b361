// Tests of independence for an r×2 table of counts (r answer categories × two runs): Fisher's
// exact test and its Freeman–Halton generalisation, a seeded Monte Carlo version of it, and
// Pearson's χ². drift.ts chooses among them.
import { mulberry32 } from './seeded-random';
import { chiSquareSurvival } from './numerics/distributions';
import { requireCount, requirePositiveCount } from './numerics/input-checks';
import { lnFactorial } from './numerics/special-functions';

/** One row (category) of an r×2 table: its count in the first and in the second column. */
export type RowCounts = readonly [number, number];

/** More tables than this take tens of milliseconds to enumerate; the Monte Carlo test is then cheaper. */
export const MAX_EXACT_TABLES = 100_000;
const MAX_EXACT_ROWS = 1_000;
// Up to this many samples ln k! comes from a table summed once; beyond, from log-gamma.
const MAX_TABULATED_FACTORIAL = 1_000_000;

// R's fisher.test counts tables within this relative tolerance of the observed probability as
// "as extreme", so that tables equally likely in exact arithmetic are not lost to rounding.
const LN_RELATIVE_TOLERANCE = Math.log1p(1e-7);

/**
 * Two-sided p-value of Fisher's (1935) exact test for the 2×2 table [[a, b], [c, d]]: the sum of
 * the hypergeometric probabilities of every table with the observed margins that is no more
 * likely than the observed one (the rule of R's `fisher.test`). Fisher's tea-tasting table
 * [[3, 1], [1, 3]] gives 0.4857.
 */
export function fisherExact2x2(a: number, b: number, c: number, d: number): number {
  // A 2×2 table has at most min(margins) + 1 arrangements, each O(1): no cap is needed.
  return exactRowsByTwo([[a, b], [c, d]], Number.MAX_SAFE_INTEGER)!.p_value;
}

export interface ExactTest {
  p_value: number;
  /** How many tables with the observed margins were enumerated. */
  tables: number;
}

/**
 * The Freeman–Halton (1951) extension of Fisher's exact test to an r×2 table: with both margins
 * fixed, a table's probability is Π_i C(n_i, a_i) / C(N, A), and the p-value sums the tables no
 * more likely than the observed one (tolerance as in R's `fisher.test`). Null when there would be
 * more than `maxTables` tables to enumerate — then use monteCarloRowsByTwo.
 */
export function exactRowsByTwo(rows: readonly RowCounts[], maxTables = MAX_EXACT_TABLES): ExactTest | null {
  const table = prepare(rows);
  requirePositiveCount(maxTables, 'maxTables');
  if (rows.length > MAX_EXACT_ROWS) return null;
  const { sizes, first, total, lnFactorialOf, lnRowTerm } = table;
  if (countTables(sizes, Math.min(first, total - first), maxTables) > maxTables) return null;
  const observed = rows.reduce((sum, [a], i) => sum + lnRowTerm(i, a), 0);
  const limit = observed + LN_RELATIVE_TOLERANCE;
  const lnAllTables = lnFactorialOf(total) - lnFactorialOf(first) - lnFactorialOf(total - first);
  const below = new Array<number>(sizes.length + 1).fill(0);
  for (let i = sizes.length - 1; i >= 0; i--) below[i] = below[i + 1]! + sizes[i]!;

  let tables = 0;
  let p = 0;
  const visit = (i: number, remaining: number, lnProduct: number): void => {
    if (i === sizes.length - 1) {
      const lnP = lnProduct + lnRowTerm(i, remaining);
      if (lnP <= limit) p += Math.exp(lnP - lnAllTables);
      tables += 1;
      return;
    }
    const highest = Math.min(sizes[i]!, remaining);
    for (let x = Math.max(0, remaining - below[i + 1]!); x <= highest; x++) visit(i + 1, remaining - x, lnProduct + lnRowTerm(i, x));
  };
  if (sizes.length === 0) return { p_value: 1, tables: 1 };
  visit(0, first, 0);
  return { p_value: Math.min(1, p), tables };
}

export interface MonteCarloOptions {
  /** Any integer; taken modulo 2^32 (mulberry32). The same table and seed give the same p. */
  seed: number;
  /** Default 2000; at most 100,000. */
  simulations?: number;
}

/**
 * The Freeman–Halton p-value estimated from random tables with the observed margins (seeded):
 * p = (1 + tables no more likely than the observed) / (1 + simulations) (Davison & Hinkley 1997,
 * ch. 4; as R's `fisher.test(simulate.p.value = TRUE)`). A table is drawn row by row, each row's
 * first-column count hypergeometric given what the rows before it took, so one table costs about
 * Σ(1 + sd of each row's count), not N: a category of thousands of samples costs a few dozen steps.
 */
export function monteCarloRowsByTwo(rows: readonly RowCounts[], { seed, simulations = 2000 }: MonteCarloOptions): { p_value: number; simulations: number } {
  if (!Number.isInteger(simulations) || simulations < 1 || simulations > 100_000) throw new RangeError(`simulations must be an integer from 1 to 100000, got ${simulations}`);
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const { sizes, first, total, lnFactorialOf, lnRowTerm } = prepare(rows);
  const observed = rows.reduce((sum, [a], i) => sum + lnRowTerm(i, a), 0);
  const limit = observed + LN_RELATIVE_TOLERANCE;
  const random = mulberry32(seed);
  // The largest row goes last, where it simply takes what is left: it costs nothing.
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[a]! - sizes[b]! || a - b);
  let asExtreme = 0;
  for (let s = 0; s < simulations; s++) {
    let population = total;
    let firstLeft = first;
    let lnP = 0;
    order.forEach((i, position) => {
      const size = sizes[i]!;
      const taken = position === order.length - 1 ? firstLeft : drawHypergeometric(population, firstLeft, size, random, lnFactorialOf);
      lnP += lnRowTerm(i, taken);
      population -= size;
      firstLeft -= taken;
    });
    if (lnP <= limit) asExtreme += 1;
  }
  return { p_value: (1 + asExtreme) / (1 + simulations), simulations };
}

/**
 * X ~ Hypergeometric: successes among `draws` taken without replacement from `population` holding
 * `successes`. A few draws are made one by one; more by inverting one uniform, searching outward
 * from the mode (Kachitvichyanukul & Schmeiser 1985) and stepping between neighbours by the pmf
 * ratio, which takes about one standard deviation of steps.
 */
function drawHypergeometric(population: number, successes: number, draws: number, random: () => number, lnFactorialOf: (k: number) => number): number {
  const low = Math.max(0, draws - (population - successes));
  const high = Math.min(draws, successes);
  if (low === high) return low;
  if (draws <= 16) {
    let taken = 0;
    for (let d = 0; d < draws; d++) if (random() * (population - d) < successes - taken) taken += 1;
    return taken;
  }
  const u = random();
  const lnChoose = (n: number, k: number) => lnFactorialOf(n) - lnFactorialOf(k) - lnFactorialOf(n - k);
  const mode = Math.min(high, Math.max(low, Math.floor(((draws + 1) * (successes + 1)) / (population + 2))));
  const atMode = Math.exp(lnChoose(successes, mode) + lnChoose(population - successes, draws - mode) - lnChoose(population, draws));
  const failures = population - successes;
  let remaining = u - atMode;
  let below = mode;
  let above = mode;
  let pBelow = atMode;
  let pAbove = atMode;
  while (remaining > 0 && (below > low || above < high)) {
    if (above < high) {
      pAbove *= ((successes - above) * (draws - above)) / ((above + 1) * (failures - draws + above + 1));
      above += 1;
      remaining -= pAbove;
      if (remaining <= 0) return above;
    }
    if (below > low) {
      pBelow *= (below * (failures - draws + below)) / ((successes - below + 1) * (draws - below + 1));
      below -= 1;
      remaining -= pBelow;
      if (remaining <= 0) return below;
    }
  }
  return mode;
}

export interface ChiSquareTest {
  statistic: number;
  df: number;
  p_value: number;
}

/**
 * Pearson's (1900) χ² test of independence for an r×2 table, without continuity correction:
 * X² = Σ (O − E)²/E, E = row total × column total / N, on r − 1 degrees of freedom (R's
 * `chisq.test(x, correct = FALSE)`). The χ² approximation holds when every E ≥ 5 (Cochran 1954).
 * Rows with no counts are dropped; null when a column is empty or fewer than two rows remain.
 */
export function pearsonChiSquare(rows: readonly RowCounts[]): ChiSquareTest | null {
  const { first, total } = countsOf(rows);
  const present = rows.filter(([a, b]) => a + b > 0);
  if (present.length < 2 || first === 0 || first === total) return null;
  let statistic = 0;
  for (const [a, b] of present) {
    const expectedFirst = ((a + b) * first) / total;
    const expectedSecond = ((a + b) * (total - first)) / total;
    statistic += (a - expectedFirst) ** 2 / expectedFirst + (b - expectedSecond) ** 2 / expectedSecond;
  }
  const df = present.length - 1;
  return { statistic, df, p_value: chiSquareSurvival(statistic, df) };
}

/**
 * How many r×2 tables have these row sizes and first-column total, counted up to `cap` (beyond it
 * the count stops growing): ways[c] over the rows so far, each row adding 0..n_i to the column,
 * by sliding-window sums — O(rows × first-column total), so the decision costs little even where
 * enumerating would cost much.
 */
function countTables(sizes: readonly number[], first: number, cap: number): number {
  let ways = new Float64Array(first + 1);
  ways[0] = 1;
  for (const size of sizes) {
    const next = new Float64Array(first + 1);
    let window = 0;
    for (let c = 0; c <= first; c++) {
      window += ways[c]!;
      if (c - size - 1 >= 0) window -= ways[c - size - 1]!;
      next[c] = Math.min(window, cap + 1);
    }
    ways = next;
  }
  return ways[first]!;
}

function countsOf(rows: readonly RowCounts[]) {
  const sizes = rows.map(([a, b], i) => {
    requireCount(a, `rows[${i}][0]`);
    requireCount(b, `rows[${i}][1]`);
    return a + b;
  });
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const first = rows.reduce((sum, [a]) => sum + a, 0);
  return { sizes, first, total };
}

function prepare(rows: readonly RowCounts[]) {
  const counts = countsOf(rows);
  const { sizes, total } = counts;
  let lnFactorialOf: (k: number) => number = lnFactorial;
  if (total <= MAX_TABULATED_FACTORIAL) {
    const table = new Float64Array(total + 1);
    for (let k = 2; k <= total; k++) table[k] = table[k - 1]! + Math.log(k);
    lnFactorialOf = (k) => table[k]!;
  }
  const lnRowTerm = (i: number, x: number) => lnFactorialOf(sizes[i]!) - lnFactorialOf(x) - lnFactorialOf(sizes[i]! - x);
  return { ...counts, lnFactorialOf, lnRowTerm };
}
