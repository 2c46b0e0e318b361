// The study matrix: items as rows, targets as columns; each cell shows the distribution of its samples
// as a small bar, its pass rate and its most frequent answers, and opens its calls.
import type { StudyReport } from '../../src/studies/report/report-items';
import { pct } from './study-summary';

type Body = StudyReport['body'];
type Row = Body['items']['rows'][number];
type Cell = Row['cells'][number];

const SHOWN_ANSWERS = 3;
const PROMPT_CHARS = 240;
const ANSWER_CHARS = 80;

export const answerText = (answer: string | null | undefined) => (answer == null ? '(nothing extracted)' : answer === '' ? '(empty)' : answer);
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

export function StudyMatrix(props: { body: Body; cellHref: (itemId: number, target: number) => string }) {
  const { rows } = props.body.items;
  if (rows.length === 0) return <p class="muted">No items match these filters.</p>;
  return (
    <table class="results-table matrix">
      <thead>
        <tr>
          <th>item</th>
          {props.body.targets.map((t) => (
            <th>{t.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr class={row.disagree ? 'disagree' : ''}>
            <th class="item-head" scope="row">
              <div class="item-key">
                {row.key}
                {row.disagree ? <span class="badge badge-disagree" title="the targets disagree on this item">disagree</span> : null}
              </div>
              <div class="item-prompt" title={row.prompt}>{cut(row.prompt, PROMPT_CHARS)}</div>
              {row.expected !== null && row.expected !== undefined ? (
                <div class="item-expected">
                  expected: <code>{Array.isArray(row.expected) ? row.expected.join(' | ') : String(row.expected)}</code>
                </div>
              ) : null}
              {row.fields ? (
                <div class="item-fields">
                  {Object.entries(row.fields).map(([k, v]) => (
                    <span class="tag field">
                      {k}: {String(v)}
                    </span>
                  ))}
                </div>
              ) : null}
            </th>
            {row.cells.map((cell) => (
              <MatrixCell cell={cell} href={props.cellHref(row.item_id, cell.target_index)} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MatrixCell(props: { cell: Cell; href: string }) {
  const { cell } = props;
  if (!cell.tasks) return <td class="cell muted">—</td>;
  const n = cell.n ?? 0;
  const verdict = cell.majority_correct === true ? 'cell-pass' : cell.majority_correct === false ? 'cell-fail' : '';
  return (
    <td class={`cell ${verdict}`}>
      <a class="cell-link" href={props.href} hx-get={props.href} hx-target="#cell-view" hx-swap="innerHTML" title="open this cell's samples">
        {n ? (
          <div class="dist-bar" role="img" aria-label={`answers: ${(cell.distribution ?? []).map((d) => `${answerText(d.answer)} ×${d.count}`).join(', ')}`}>
            {(cell.distribution ?? []).map((d) => (
              <span class={`seg ${segmentClass(d)}`} style={`width:${((d.count / n) * 100).toFixed(2)}%`} title={`${cut(answerText(d.answer), 200)} ×${d.count}`}></span>
            ))}
            {cell.other ? <span class="seg seg-other" style={`width:${((cell.other / n) * 100).toFixed(2)}%`} title={`other answers ×${cell.other}`}></span> : null}
          </div>
        ) : null}
        <div class="cell-stats">
          {cell.pass_rate != null ? <strong class="pass-rate">{pct(cell.pass_rate, 0)}</strong> : null}
          <span class="muted">
            {' '}
            {n}/{cell.tasks}
          </span>
          {cell.failed ? <span class="bad"> · {cell.failed} failed</span> : null}
          {cell.pending ? <span class="muted"> · {cell.pending} pending</span> : null}
          {cell.human?.labelled ? (
            <span class={`badge ${cell.human.compared > cell.human.agree ? 'badge-disagree' : ''}`} title="human labels (and disagreements with the scorer)">
              ✎ {cell.human.labelled}
              {cell.human.compared > cell.human.agree ? ` ≠ ${cell.human.compared - cell.human.agree}` : ''}
            </span>
          ) : null}
        </div>
      </a>
      <ul class="answers">
        {(cell.distribution ?? []).slice(0, SHOWN_ANSWERS).map((d) => (
          <li>
            <span class="count">×{d.count}</span> <span class="answer-text">{cut(answerText(d.answer), ANSWER_CHARS)}</span>
          </li>
        ))}
      </ul>
    </td>
  );
}

function segmentClass(d: { passes: number; scored: number }) {
  if (!d.scored) return 'seg-unscored';
  return d.passes * 2 > d.scored ? 'seg-pass' : 'seg-fail';
}

/** Previous/next links over the filtered items. */
export function Pager(props: { total: number; offset: number; limit: number; href: (offset: number) => string }) {
  const { total, offset, limit } = props;
  if (total <= limit) return <p class="muted">{total} item(s)</p>;
  return (
    <p class="pager">
      {offset > 0 ? <a href={props.href(Math.max(0, offset - limit))}>← previous</a> : null}
      <span class="muted">
        {' '}
        items {offset + 1}–{Math.min(total, offset + limit)} of {total}{' '}
      </span>
      {offset + limit < total ? <a href={props.href(offset + limit)}>next →</a> : null}
    </p>
  );
}
