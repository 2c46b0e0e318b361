// The figures a report file shows (HTML, Markdown, LaTeX), formatted once from the report body that
// GET /report answers with, so the files cannot disagree with the JSON or with each other.
import type { StudyReport } from './report-items';

/** The report body as /report answers it, with the study's progress. */
export type ReportFileBody = StudyReport['body'] & {
  progress: { status: string; status_reason: string | null; total: number; done: number; failed: number; pending: number };
};

/** A table as text cells: what each file format renders its own way. */
export interface FigureTable {
  headers: string[];
  rows: string[][];
}

export type ReportFileFormat = 'html' | 'md' | 'tex';

/** Items in the HTML file's matrix: at most 500, and at most 20,000 cells, so one file stays a few MB. */
export const FILE_MATRIX_MAX_ITEMS = 500;
export const FILE_MATRIX_MAX_CELLS = 20_000;
export const fileMatrixItems = (targets: number) => Math.max(1, Math.min(FILE_MATRIX_MAX_ITEMS, Math.floor(FILE_MATRIX_MAX_CELLS / Math.max(1, targets))));

/** A proportion, a difference or an interval end: three decimals (1.000 = 100%). */
export const figure = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(3));
export const interval = (low: number | null | undefined, high: number | null | undefined) => (low == null || high == null ? '—' : `[${figure(low)}, ${figure(high)}]`);
export const pValue = (p: number | null | undefined) => (p == null ? '—' : p < 0.001 ? p.toExponential(2) : p.toFixed(4));

const ADJUST_NAMES = { holm: 'Holm', bh: 'Benjamini–Hochberg' } as const;
export const adjustName = (adjust: 'holm' | 'bh') => ADJUST_NAMES[adjust];

/** Per target: accuracy over items with its item-clustered interval, and the Wilson interval over samples for contrast. */
export function summaryTable(body: ReportFileBody): FigureTable {
  const clustered = body.cluster_by ? ` (clustered by ${body.cluster_by})` : '';
  return {
    headers: ['Target', 'Accuracy over items', `95% CI over items${clustered}`, 'Items', 'Interval method', 'Passes / scored samples', 'Wilson 95% CI over samples (too narrow)'],
    rows: body.targets.map((t) => [
      t.label,
      figure(t.accuracy.estimate),
      interval(t.accuracy.low, t.accuracy.high),
      body.cluster_by ? `${t.accuracy.items} (${t.accuracy.clusters} clusters)` : String(t.accuracy.items),
      t.accuracy.method ?? '—',
      `${t.accuracy.passed}/${t.accuracy.samples}`,
      interval(t.accuracy_samples_wilson.low, t.accuracy_samples_wilson.high),
    ]),
  };
}

type Pair = ReportFileBody['pairs'][number];

/** Pairs in a file: at most 200 (a sweep of 100 targets has 4,950), the primary contrast and the smallest adjusted p-values. */
export const FILE_MAX_PAIRS = 200;

export function filePairs(body: ReportFileBody): { shown: Pair[]; more: number } {
  if (body.pairs.length <= FILE_MAX_PAIRS) return { shown: body.pairs, more: 0 };
  const order = (p: Pair) => (p.primary ? -1 : (p.accuracy_difference.p_adjusted ?? 2));
  const shown = [...body.pairs].sort((x, y) => order(x) - order(y)).slice(0, FILE_MAX_PAIRS);
  return { shown, more: body.pairs.length - shown.length };
}

/** The pairs given (by default those filePairs keeps): the paired difference over items, its interval, p and p adjusted over the family, and the mde. */
export function pairsTable(body: ReportFileBody, pairs: Pair[] = filePairs(body).shown): FigureTable {
  const label = (index: number) => body.targets[index]?.label ?? String(index);
  return {
    headers: ['A', 'B', 'Items', 'Difference A − B', '95% CI', 'Test', 'p', `p adjusted (${adjustName(body.comparisons.adjust)})`, 'MDE (80% power, α = .05)'],
    rows: pairs.map((p) => {
      const d = p.accuracy_difference;
      return [
        label(p.a),
        label(p.b),
        String(d.items),
        figure(d.difference),
        interval(d.low, d.high),
        d.method ?? '—',
        pValue(d.p_value),
        p.primary ? 'primary (unadjusted)' : pValue(d.p_adjusted),
        figure(d.mde),
      ];
    }),
  };
}

/** One line on what the file is: study, scorer version, status. */
export function reportHeadline(body: ReportFileBody): string {
  const scorer = body.scorer ? `scored by ${body.scorer.name} v${body.scorer.version} (${body.scorer.kind})` : 'no scorer has run: no accuracy';
  const p = body.progress;
  return `Study ${body.id} · ${scorer} · ${p.status}, ${p.done}/${p.total} tasks answered, ${p.failed} failed`;
}

/** A file name the study id alone decides (no user text in a header). */
export const reportFileName = (id: number, format: ReportFileFormat) => `study-${id}.${format}`;
