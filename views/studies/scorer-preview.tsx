// What the scorer builder swaps in (views/studies/scorer-builder.tsx): a preview's result, and the
// scorers field its "Add scorer" writes.
import type { ScorerPreview } from '../../src/studies/scorers/preview';
import { ErrorBox } from '../components/ui';

/** What a preview found: pass or fail and the value compared, per sample; or why it was not run. */
export function ScorerPreviewResult(props: { preview?: ScorerPreview; error?: string }) {
  const { preview } = props;
  return (
    <div id="scorer-preview" class="scorer-preview" aria-live="polite">
      {props.error ? <ErrorBox message={props.error} /> : null}
      {!preview ? null : !preview.previewed ? (
        <p class="muted">{preview.reason}</p>
      ) : (
        <table class="facts">
          <thead>
            <tr><th>answer</th><th>expected</th><th>result</th><th>compared value</th><th>detail</th></tr>
          </thead>
          <tbody>
            {preview.results.map(({ answer, expected, result }) => (
              <tr>
                <td class="answer-text">{answer}</td>
                <td>{expected === undefined ? <span class="muted">none</span> : typeof expected === 'string' ? expected : JSON.stringify(expected)}</td>
                <td>
                  {result.pass === null ? (
                    <span class="badge">no score</span>
                  ) : result.pass ? (
                    <span class="badge badge-success">pass</span>
                  ) : (
                    <span class="badge badge-failed">fail</span>
                  )}
                </td>
                <td><code>{result.label ?? '—'}</code></td>
                <td class="muted">{previewDetail(result.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The parts of a score's detail a person reads first: why there is no score, what was extracted or matched. */
function previewDetail(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof detail.error === 'string') parts.push(detail.error);
  if ('extracted' in detail) parts.push(`extracted: ${JSON.stringify(detail.extracted)}`);
  if (detail.matched_expected != null) parts.push(`matched: ${JSON.stringify(detail.matched_expected)}`);
  if ('abs_error' in detail) parts.push(`off by ${String(detail.abs_error)}`);
  if (Array.isArray(detail.errors)) parts.push(detail.errors.map((e: { error?: string }) => e.error).join('; '));
  return parts.join(' · ');
}

/** The scorers field: the JSON list a study takes, written by Add scorer or by hand. */
export function ScorersField(props: { text: string; error?: string }) {
  return (
    <div id="scorers-field" class="scorers-field">
      {props.error ? <ErrorBox message={props.error} /> : null}
      <label class="wide">
        Scorers (a JSON list, written by “Add scorer” or by hand; the study page runs them)
        <textarea
          id="scorers-json"
          name="scorers"
          rows={Math.min(8, Math.max(3, props.text.split('\n').length))}
          spellcheck={false}
          placeholder={'[{"type": "normalized_exact"}, {"name": "letter", "type": "exact", "extract": {"type": "choice_letter"}}]'}
        >
          {props.text}
        </textarea>
      </label>
    </div>
  );
}
