// One cell of a study (an item × a target): its samples with their answers, their automatic score and
// a human label each with a note. Keyboard: j/k move between samples, p/f/x label the focused one, e
// writes its note (labels.js).
import type { CellCall } from '../../src/studies/report/cells';
import { answerText } from './study-matrix';
import { LabelButtons, noteOfText } from '../components/label-buttons';
import { StatusBadge, formatMs } from '../components/ui';
import { Layout } from '../layout';

export interface CellViewProps {
  studyId: number;
  studyName: string;
  itemKey: string;
  prompt: string;
  expected: unknown;
  target: string;
  scorer: { name: string; version: number } | null;
  calls: CellCall[];
}

const bool = (n: number | null) => (n === null ? null : n === 1);

export function CellPanel(props: CellViewProps) {
  const scorer = props.scorer;
  return (
    <div class="panel cell-panel" data-label-list>
      <h2>
        {props.itemKey} × {props.target}
      </h2>
      <p class="item-prompt">{props.prompt}</p>
      {props.expected != null ? (
        <p>
          expected: <code>{Array.isArray(props.expected) ? props.expected.join(' | ') : String(props.expected)}</code>
        </p>
      ) : null}
      <p class="muted keys">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous sample, <kbd>p</kbd> pass, <kbd>f</kbd> fail, <kbd>x</kbd> clear, <kbd>e</kbd> write a note (<kbd>Esc</kbd> to leave it; it goes with the next label).
      </p>
      <table class="cell-calls">
        <thead>
          <tr>
            <th>#</th>
            <th>status</th>
            <th>answer</th>
            {scorer ? <th>{scorer.name} v{scorer.version}</th> : null}
            <th>human label</th>
          </tr>
        </thead>
        <tbody>
          {props.calls.map((call) => (
            <tr data-label-row tabindex={0} class={`sample-row row-${call.status}`}>
              <td>
                {call.call_id ? <a href={`/calls/${call.call_id}`}>{call.sample_index + 1}</a> : call.sample_index + 1}
              </td>
              <td>
                <StatusBadge status={call.status} />
                <div class="muted">{formatMs(call.latency_ms)}</div>
              </td>
              <td class="sample-answer">
                {call.status === 'success' ? <pre class="answer">{call.text ?? ''}</pre> : call.status === 'failed' ? <span class="bad">{call.error_class}</span> : <span class="muted">pending</span>}
                {scorer && call.answer !== null && call.answer !== call.text ? <div class="muted">compared as: {answerText(call.answer)}</div> : null}
              </td>
              {scorer ? (
                <td class={call.pass === 1 ? 'good' : call.pass === 0 ? 'bad' : 'muted'}>
                  {call.pass === null ? (call.status === 'success' ? 'no score' : '—') : call.pass === 1 ? 'pass' : 'fail'}
                  {call.label !== null && call.label !== call.answer ? <div class="muted">{call.label}</div> : null}
                </td>
              ) : null}
              <td>
                {call.call_id ? (
                  <LabelButtons
                    callId={call.call_id}
                    human={call.human_pass === null && call.human_label === null ? null : { pass: bool(call.human_pass), label: call.human_label, note: noteOfText(call.human_detail) }}
                    automatic={scorer ? { scorer: scorer.name, version: scorer.version, pass: bool(call.pass) } : null}
                  />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CellPage(props: CellViewProps) {
  return (
    <Layout title={`${props.itemKey} × ${props.target}`} head={<script src="/static/labels.js" defer></script>}>
      <p>
        <a href={`/studies/${props.studyId}`}>← {props.studyName}</a>
      </p>
      <CellPanel {...props} />
    </Layout>
  );
}
