// Issue 22: the report as files. A wide study's worst case — 100 targets (4,950 pairs) and the HTML
// matrix at its cap (200 items × 100 targets = 20,000 cells), and 500 items × 40 targets — rendered as
// HTML, Markdown and LaTeX from a report body built here. The route streams the HTML file in parts with
// the event loop free between them: the longest part is the stall a request for the file causes (on top
// of computing the report, which bench/study-report.ts measures). Target: under 100 ms p95.
import type { ReportFileBody } from '../src/studies/report/report-figures';
import { fileMatrixItems } from '../src/studies/report/report-figures';
import { reportLatex, reportMarkdown } from '../src/studies/report/report-text-files';
import { reportFileHtmlParts } from '../views/studies/files/report-file';
import { exitWith, isMain, percentile, verdict, type BenchResult } from './support';

const RUNS = Number(process.env.BENCH_REPORT_FILE_RUNS ?? 10);
const TARGET_MS = 100;

const interval = (estimate: number) => ({ estimate, low: Math.max(0, estimate - 0.08), high: Math.min(1, estimate + 0.08) });

/** A report body of `targets` targets, every pair compared, and its matrix at the file's cap; long prompts and answers. */
export function wideBody(targets: number): ReportFileBody {
  const items = fileMatrixItems(targets);
  const pairs = [];
  for (let a = 0; a < targets; a++) {
    for (let b = a + 1; b < targets; b++) {
      pairs.push({ a, b, primary: false, accuracy_difference: { difference: (a - b) / 200, low: -0.1, high: 0.1, p_value: 0.0123, p_adjusted: 0.456, method: 'paired-t', items: 1000, mde: 0.0712 } });
    }
  }
  const body = {
    id: 1,
    name: 'wide sweep <with markup> & 100%',
    scorer: { name: 'exact', version: 1, kind: 'exact' },
    cluster_by: null,
    warnings: [],
    targets: Array.from({ length: targets }, (_, index) => ({
      index,
      label: `bench/sweep-${index} · temperature=${(index / 100).toFixed(2)}`,
      accuracy: { ...interval(0.3 + index / 250), method: 'clustered-t', items: 1000, clusters: 1000, passed: 600, samples: 1000 },
      accuracy_samples_wilson: interval(0.3 + index / 250),
    })),
    comparisons: { adjust: 'holm', note: `p_adjusted: Holm (family-wise error) over ${pairs.length} pairs of targets`, effect: 0.05 },
    pairs,
    items: {
      total: 1000,
      offset: 0,
      limit: items,
      filters: { disagree: false, field: null, value: null },
      rows: Array.from({ length: items }, (_, i) => ({
        key: `w${i}`,
        prompt: `Yes or no? ${'a fairly long question text '.repeat(20)}(question ${i})`,
        expected: 'yes',
        cells: Array.from({ length: targets }, (_, t) => ({ n: 5, scored: 5, passes: (i + t) % 6, pass_rate: ((i + t) % 6) / 5, failed: 0, pending: 0, modal: { answers: ['yes <b>surely</b>'], count: 3, share: 0.6 } })),
      })),
    },
    progress: { status: 'completed', status_reason: null, total: 100_000, done: 100_000, failed: 0, pending: 0 },
  };
  return body as unknown as ReportFileBody;
}

/** Renders a file part by part, as the route streams it: the longest part is the stall; the sum the total time. */
async function timed(parts: () => AsyncIterable<string>): Promise<{ stall: number[]; total: number[]; bytes: number }> {
  const stall: number[] = [];
  const total: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    let longest = 0;
    let sum = 0;
    bytes = 0;
    const iterator = parts()[Symbol.asyncIterator]();
    for (;;) {
      const started = performance.now();
      const next = await iterator.next();
      const ms = performance.now() - started;
      if (next.done) break;
      longest = Math.max(longest, ms);
      sum += ms;
      bytes += next.value.length;
    }
    if (i >= 2) {
      stall.push(longest);
      total.push(sum);
    }
  }
  return { stall: stall.sort((x, y) => x - y), total: total.sort((x, y) => x - y), bytes };
}

async function* whole(render: () => string) {
  yield render();
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const targets of [100, 40]) {
    const body = wideBody(targets);
    for (const [format, parts] of [
      ['html', () => reportFileHtmlParts(body, new Date().toISOString())],
      ['md', () => whole(() => reportMarkdown(body))],
      ['tex', () => whole(() => reportLatex(body))],
    ] as const) {
      const { stall, total, bytes } = await timed(parts);
      const p95 = percentile(stall, 95);
      const result: BenchResult = {
        name: `report file ${format}, ${targets} targets, ${body.pairs.length} pairs, ${body.items.rows.length} matrix items`,
        metrics: { stall_p50_ms: round(percentile(stall, 50)), stall_p95_ms: round(p95), total_p50_ms: round(percentile(total, 50)), bytes },
        target: `longest part rendered without yielding <= ${TARGET_MS} ms p95 (measured ${p95.toFixed(1)} ms; whole file ${percentile(total, 50).toFixed(1)} ms p50, ${(bytes / 1e6).toFixed(2)} MB)`,
        pass: p95 <= TARGET_MS,
      };
      console.log(verdict(result));
      results.push(result);
    }
  }
  return results;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

if (isMain(import.meta.url)) exitWith(await run());
