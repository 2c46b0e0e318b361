// A study's report as one self-contained HTML file, to send or archive: inline CSS and an inline SVG
// chart, nothing fetched (its Content-Security-Policy forbids it), every text escaped by JSX (prompts
// and answers are model and user text).
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { FILE_MATRIX_MAX_CELLS, FILE_MATRIX_MAX_ITEMS, filePairs, pairsTable, reportHeadline, summaryTable, type FigureTable, type ReportFileBody } from '../../../src/studies/report/report-figures';
import { AccuracyChartSvg } from './accuracy-chart-svg';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
const PROMPT_CHARS = 300;
const ANSWER_CHARS = 80;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2433; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.muted { color: #5b6477; } .warning { border-left: 4px solid #b42318; background: #fef3f2; padding: .5rem .75rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { border: 1px solid #dde1e8; padding: .3rem .5rem; text-align: right; vertical-align: top; }
th { background: #f2f4f7; } td:first-child, th:first-child { text-align: left; }
.matrix td, .matrix th { text-align: left; font-size: 12px; } .matrix .prompt { max-width: 28rem; white-space: pre-wrap; word-break: break-word; }
.pass { background: #ecfdf3; } .fail { background: #fef3f2; } .answer { font-family: ui-monospace, monospace; word-break: break-all; }
.chart { overflow-x: auto; }
`;

const clip = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);
const expectedText = (expected: unknown) => (expected == null ? '' : typeof expected === 'string' ? expected : JSON.stringify(expected));

function Table(props: { table: FigureTable; class: string }) {
  return (
    <table class={props.class}>
      <thead>
        <tr>{props.table.headers.map((h) => <th>{h}</th>)}</tr>
      </thead>
      <tbody>
        {props.table.rows.map((row) => (
          <tr>{row.map((cell) => <td>{cell}</td>)}</tr>
        ))}
      </tbody>
    </table>
  );
}

/** The matrix goes out about this many cells at a time, the event loop free between them. */
const MATRIX_CELLS_PER_PART = 1_000;

function MatrixIntro(props: { body: ReportFileBody }) {
  const { items } = props.body;
  return (
    <p class="muted">
      {items.total} item(s){items.filters.disagree ? ' where targets disagree' : ''}
      {items.filters.field ? ` with ${items.filters.field}${items.filters.value !== null ? ` = ${items.filters.value}` : ''}` : ''}; this file shows at most {FILE_MATRIX_MAX_ITEMS} items and{' '}
      {FILE_MATRIX_MAX_CELLS.toLocaleString('en-US')} cells. Each cell: passes / scored samples, and the most frequent answer as the scorer compared it.
    </p>
  );
}

function MatrixHead(props: { body: ReportFileBody }) {
  return (
    <thead>
      <tr>
        <th>item</th>
        {props.body.targets.map((t) => <th>{t.label}</th>)}
      </tr>
    </thead>
  );
}

type Item = ReportFileBody['items']['rows'][number];

function MatrixRow(props: { item: Item }) {
  const { item } = props;
  return (
    <tr>
      <td>
        <strong>{item.key}</strong>
        <div class="prompt">{clip(item.prompt, PROMPT_CHARS)}</div>
        {item.expected != null ? <div class="muted">expected: {clip(expectedText(item.expected), ANSWER_CHARS)}</div> : null}
      </td>
      {item.cells.map((cell) => (
        <td class={cell.pass_rate == null ? '' : cell.pass_rate >= 0.5 ? 'pass' : 'fail'}>
          {cell.scored ? `${cell.passes}/${cell.scored}` : cell.n ? `${cell.n} answered` : '—'}
          {cell.failed ? <span class="muted"> · {cell.failed} failed</span> : null}
          {cell.pending ? <span class="muted"> · {cell.pending} pending</span> : null}
          {cell.modal?.answers.length ? <div class="answer">{clip(cell.modal.answers.slice(0, 4).map((a) => a ?? '(nothing extracted)').join(' | '), ANSWER_CHARS)}</div> : null}
        </td>
      ))}
    </tr>
  );
}

function MatrixTail(props: { body: ReportFileBody }) {
  const { items } = props.body;
  const more = items.total - items.offset - items.rows.length;
  return more > 0 ? <p class="more-items">… {more} more item(s) not in this file (the JSON report pages through all of them).</p> : null;
}

/** The wording of docs/studies.md, "How to read these numbers". */
function HowToRead() {
  return (
    <section>
      <h2>How to read these numbers</h2>
      <p>
        A study estimates how each target behaves on a <strong>population of questions</strong>, of which the study's items are a sample. Its samples of one item are repeated
        measurements of that item, not new items: ten samples of forty items are forty observations of the target's accuracy, not four hundred. So every interval and test here is
        computed over items, and says how many it rests on.
      </p>
      <ul>
        <li>
          <strong>Accuracy</strong> is the share of passing samples, weighted by item; its 95% interval says where the target's accuracy on <em>questions like these</em> lies, given
          how much items differ. It does not say how the target does on other kinds of questions, or with another prompt. With <code>cluster_by</code>, items that share a source
          count as one unit (they are not independent either).
        </li>
        <li>
          <strong>The sample-level Wilson interval</strong> beside it treats every sample as independent. It is shown only to make the contrast visible: it is too narrow by about the
          square root of the design effect.
        </li>
        <li>
          <strong>A paired difference</strong> compares two targets on the items both answered. Its interval and p-value are about the mean per-item difference.{' '}
          <code>p_adjusted</code> accounts for all the pairs compared at once (Holm: the chance of any false difference stays under 5%; BH: the share of false ones does); read
          significance from it, not from <code>p_value</code>, unless the pair is the declared <code>primary</code> contrast. <code>mde</code> is the smallest difference this many
          items could detect 80% of the time: a non-significant difference smaller than it is "not measured", not "no difference".
        </li>
        <li>
          <strong>Warnings</strong> flag a scorer that would pass the question itself: its accuracy is not evidence.
        </li>
      </ul>
      <p>
        A study cut short holds a random subset of its matrix (tasks run in a seeded random order), so its figures are unbiased for the items it covers, with wider intervals.
      </p>
    </section>
  );
}

function Section(props: { title: string; children: Child }) {
  return (
    <section>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

function Top(props: { body: ReportFileBody; generatedAt: string }) {
  const { body } = props;
  const scored = body.scorer !== null && body.targets.some((t) => t.accuracy.estimate !== null);
  const pairs = filePairs(body);
  return (
    <>
      <h1>{body.name}</h1>
      <p class="muted headline">{reportHeadline(body)}</p>
      <p class="muted">Generated {props.generatedAt} by Study Query LLM from GET /api/v1/studies/{body.id}/report.</p>
      {body.progress.status_reason ? <p class="muted">{body.progress.status_reason}</p> : null}
      {body.warnings.length ? (
        <Section title="Warnings">
          {body.warnings.map((w) => (
            <p class="warning">{w.message}</p>
          ))}
        </Section>
      ) : null}
      <Section title="Accuracy per target">
        {scored ? (
          <div class="chart">
            <AccuracyChartSvg targets={body.targets} title="Accuracy per target over items, with item-clustered 95% intervals" />
          </div>
        ) : null}
        <Table table={summaryTable(body)} class="summary" />
      </Section>
      {body.pairs.length ? (
        <Section title="Paired comparisons">
          <p class="muted">
            {body.comparisons.note}.{pairs.more ? ` The ${pairs.shown.length} pairs with the smallest adjusted p-values (the primary contrast first) of ${body.pairs.length}; every pair is in the JSON report.` : ''}
          </p>
          <Table table={pairsTable(body, pairs.shown)} class="pairs" />
        </Section>
      ) : null}
      <h2>Items × targets</h2>
      <MatrixIntro body={body} />
    </>
  );
}

function Head(props: { body: ReportFileBody }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta http-equiv="Content-Security-Policy" content={CSP} />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${props.body.name} — study ${props.body.id}`}</title>
      <style>{raw(STYLE)}</style>
    </head>
  );
}

const html = async (node: Child) => String(await (node as { toString(): string | Promise<string> }).toString());

/**
 * The file in parts, each rendered when asked for: the head, summary and pairs, then the matrix a few
 * rows at a time, then the guide. The tags that span parts (html, body, table) are written as text.
 */
export async function* reportFileHtmlParts(body: ReportFileBody, generatedAt: string): AsyncGenerator<string> {
  yield `<!doctype html>\n<html lang="en">${await html(<Head body={body} />)}<body>${await html(<Top body={body} generatedAt={generatedAt} />)}`;
  yield `<table class="matrix">${await html(<MatrixHead body={body} />)}<tbody>`;
  const rows = body.items.rows;
  const perPart = Math.max(1, Math.floor(MATRIX_CELLS_PER_PART / Math.max(1, body.targets.length)));
  for (let i = 0; i < rows.length; i += perPart) {
    const part = await Promise.all(rows.slice(i, i + perPart).map((item) => html(<MatrixRow item={item} />)));
    yield part.join('');
  }
  yield `</tbody></table>${await html(<MatrixTail body={body} />)}${await html(<HowToRead />)}</body></html>\n`;
}

/** The whole file as one string (tests, small studies). */
export async function reportFileHtml(body: ReportFileBody, generatedAt = new Date().toISOString()): Promise<string> {
  let text = '';
  for await (const part of reportFileHtmlParts(body, generatedAt)) text += part;
  return text;
}
