// The review queue of a study: the answers where a human label and the scorer disagree, then those no
// human has labelled, one row each, labelled with the keyboard (public/labels.js): j or n next, k
// previous, p pass, f fail, x clear, e the note.
import { LabelButtons, noteOfText } from '../../components/label-buttons';
import { Layout } from '../../layout';
import { answerText } from '../study-matrix';
import { MAX_REVIEW_OFFSET, REVIEW_PAGE_SIZE } from '../../../src/schemas/study-requests';

export interface ReviewEntry {
  call_id: number;
  item_id: number;
  item_key: string;
  prompt: string;
  expected: unknown;
  target_index: number;
  target: string;
  sample_index: number;
  text: string | null;
  answer: string | null;
  pass: number | null;
  human_pass: number | null;
  human_label: string | null;
  human_detail: string | null;
}

export interface ReviewPageProps {
  studyId: number;
  studyName: string;
  scorer: { name: string; version: number } | null;
  show: 'all' | 'disagree' | 'unlabelled';
  rows: ReviewEntry[];
  disagree: number;
  unlabelled: number;
  offset: number;
  total: number;
  /** The page's own query string for scorer and version, kept on the filter links. */
  scorerQuery: string;
}

const PROMPT_CHARS = 400;
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
const bool = (n: number | null) => (n === null ? null : n === 1);
const expectedText = (expected: unknown) => (Array.isArray(expected) ? expected.join(' | ') : String(expected));

export function ReviewPage(props: ReviewPageProps) {
  const { studyId, scorer, show } = props;
  const href = (to: string, offset = 0) =>
    `/studies/${studyId}/review?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(props.scorerQuery)), show: to, ...(offset ? { offset: String(offset) } : {}) })}`;
  const next = props.offset + REVIEW_PAGE_SIZE;
  return (
    <Layout title={`Review: ${props.studyName}`} head={<script src="/static/labels.js" defer></script>}>
      <p>
        <a href={`/studies/${studyId}`}>← {props.studyName}</a>
      </p>
      <h1>Review queue</h1>
      <p class="review-counts">
        {scorer ? (
          <>
            Against <strong>{scorer.name}</strong> v{scorer.version}:{' '}
          </>
        ) : (
          'No scorer has run: every answer waits for a human label. '
        )}
        <span class="review-disagree">{props.disagree.toLocaleString('en-US')} where the human label and the scorer disagree</span> ·{' '}
        <span class="review-unlabelled">{props.unlabelled.toLocaleString('en-US')} no human has labelled</span>
      </p>
      <p class="review-filters">
        Show: {show === 'all' ? <strong>both</strong> : <a href={href('all')}>both</a>} ·{' '}
        {show === 'disagree' ? <strong>disagreements</strong> : <a href={href('disagree')}>disagreements</a>} ·{' '}
        {show === 'unlabelled' ? <strong>unlabelled</strong> : <a href={href('unlabelled')}>unlabelled</a>}
      </p>
      <p class="muted keys">
        Keys: <kbd>j</kbd> or <kbd>n</kbd> next answer, <kbd>k</kbd> previous, <kbd>p</kbd> pass, <kbd>f</kbd> fail, <kbd>x</kbd> clear (each moves on), <kbd>e</kbd> write a
        note (then <kbd>Esc</kbd>; the note goes with the next label). Labelled answers stay until the page is loaded again.
      </p>
      {props.rows.length === 0 ? (
        <p class="review-empty">Nothing to review: every answer has a human label that agrees with the scorer.</p>
      ) : (
        <table class="review-table" data-label-list>
          <thead>
            <tr>
              <th>item × target</th>
              <th>answer</th>
              {scorer ? <th>{scorer.name}</th> : null}
              <th>human label</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr data-label-row tabindex={0} class={`review-row ${row.human_pass !== null && row.pass !== null && row.human_pass !== row.pass ? 'review-disagreeing' : 'review-unseen'}`}>
                <td class="review-item">
                  <div>
                    <a href={`/studies/${studyId}/cells/${row.item_id}/${row.target_index}`}>
                      {row.item_key} × {row.target}
                    </a>{' '}
                    <span class="muted">
                      sample <a href={`/calls/${row.call_id}`}>{row.sample_index + 1}</a>
                    </span>
                  </div>
                  <div class="item-prompt" title={row.prompt}>{cut(row.prompt, PROMPT_CHARS)}</div>
                  {row.expected != null ? (
                    <div class="item-expected">
                      expected: <code>{expectedText(row.expected)}</code>
                    </div>
                  ) : null}
                </td>
                <td class="sample-answer">
                  <pre class="answer">{row.text ?? ''}</pre>
                  {scorer && row.answer !== null && row.answer !== row.text ? <div class="muted">compared as: {answerText(row.answer)}</div> : null}
                </td>
                {scorer ? <td class={row.pass === 1 ? 'good' : row.pass === 0 ? 'bad' : 'muted'}>{row.pass === null ? 'no score' : row.pass === 1 ? 'pass' : 'fail'}</td> : null}
                <td>
                  <LabelButtons
                    callId={row.call_id}
                    human={row.human_pass === null && row.human_label === null ? null : { pass: bool(row.human_pass), label: row.human_label, note: noteOfText(row.human_detail) }}
                    automatic={scorer ? { scorer: scorer.name, version: scorer.version, pass: bool(row.pass) } : null}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="review-pages muted">
        {props.total > 0 ? `${(props.offset + 1).toLocaleString('en-US')}–${Math.min(props.total, props.offset + props.rows.length).toLocaleString('en-US')} of ${props.total.toLocaleString('en-US')}` : null}
        {props.offset > 0 ? <> · <a href={href(show, Math.max(0, props.offset - REVIEW_PAGE_SIZE))}>previous {REVIEW_PAGE_SIZE}</a></> : null}
        {next < props.total && next <= MAX_REVIEW_OFFSET ? <> · <a class="review-next-page" href={href(show, next)}>next {REVIEW_PAGE_SIZE}</a></> : null}
      </p>
    </Layout>
  );
}
