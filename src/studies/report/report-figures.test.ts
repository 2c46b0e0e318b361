import { describe, expect, it } from 'vitest';
import { FILE_MAX_PAIRS, fileMatrixItems, filePairs, pairsTable, summaryTable, type ReportFileBody } from './report-figures';
import { reportMarkdown } from './report-text-files';

const difference = (p: number | null) => ({ difference: 0.1, low: -0.05, high: 0.25, se: 0.07, sd: 0.3, df: 9, t: 1.4, p_value: p, p_adjusted: p, method: 'paired-t' as const, items: 10, mde: 0.27, items_needed: 300 });

/** A report body with `targets` targets and every pair, the pair (a, b) with adjusted p (a·targets + b)/10,000. */
function bodyWith(targets: number, primary?: [number, number]): ReportFileBody {
  const pairs = [];
  for (let a = 0; a < targets; a++) for (let b = a + 1; b < targets; b++) pairs.push({ a, b, primary: primary?.[0] === a && primary[1] === b, accuracy_difference: difference((a * targets + b) / 10_000) });
  return {
    id: 7,
    name: 'wide',
    scorer: { name: 'exact', version: 1, kind: 'exact' },
    cluster_by: null,
    warnings: [],
    targets: Array.from({ length: targets }, (_, index) => ({
      index,
      label: `t${index}`,
      accuracy: { estimate: 0.5, low: 0.4, high: 0.6, items: 10, clusters: 10, passed: 5, samples: 10, method: 'clustered-t' },
      accuracy_samples_wilson: { estimate: 0.5, low: 0.45, high: 0.55 },
    })),
    comparisons: { adjust: 'holm', note: 'p_adjusted: Holm', effect: 0.05 },
    pairs,
    items: { total: 0, offset: 0, limit: 0, filters: { disagree: false, field: null, value: null }, rows: [] },
    progress: { status: 'completed', status_reason: null, total: 10, done: 10, failed: 0, pending: 0 },
  } as unknown as ReportFileBody;
}

describe('report file figures', () => {
  it('caps the matrix at 500 items and 20,000 cells, at least one item', () => {
    expect(fileMatrixItems(1)).toBe(500);
    expect(fileMatrixItems(40)).toBe(500);
    expect(fileMatrixItems(100)).toBe(200);
    expect(fileMatrixItems(50_000)).toBe(1);
  });

  it('keeps every pair of a small study in order, and of a wide sweep the primary and the smallest adjusted p-values', () => {
    const small = bodyWith(5);
    expect(filePairs(small)).toEqual({ shown: small.pairs, more: 0 });
    const wide = bodyWith(30, [20, 29]);
    const { shown, more } = filePairs(wide);
    expect(wide.pairs).toHaveLength(435);
    expect(shown).toHaveLength(FILE_MAX_PAIRS);
    expect(more).toBe(435 - FILE_MAX_PAIRS);
    expect([shown[0]!.a, shown[0]!.b]).toEqual([20, 29]);
    const adjusted = shown.slice(1).map((p) => p.accuracy_difference.p_adjusted!);
    expect(adjusted).toEqual([...adjusted].sort((x, y) => x - y));
    expect(Math.max(...adjusted)).toBeLessThan(Math.min(...wide.pairs.filter((p) => !shown.includes(p)).map((p) => p.accuracy_difference.p_adjusted!)));
    expect(pairsTable(wide).rows[0]!.slice(0, 2)).toEqual(['t20', 't29']);
    expect(pairsTable(wide).rows[0]![7]).toBe('primary (unadjusted)');
    expect(reportMarkdown(wide)).toContain(`The ${FILE_MAX_PAIRS} pairs with the smallest adjusted p-values (the primary contrast first) of 435; every pair is in the JSON report.`);
  });

  it('writes proportions to three decimals and names the Wilson interval as over samples', () => {
    const table = summaryTable(bodyWith(2));
    expect(table.headers[6]).toBe('Wilson 95% CI over samples (too narrow)');
    expect(table.rows[0]).toEqual(['t0', '0.500', '[0.400, 0.600]', '10', 'clustered-t', '5/10', '[0.450, 0.550]']);
  });
});
