import type { studyProgress } from '../../src/studies/service';
import { ParamFields, TargetCheckboxes, type ProviderOption } from '../components/target-fields';
import type { ScorerPreview } from '../../src/studies/scorers/preview';
import { formValue, type FormValues } from '../components/form-values';
import { ErrorBox, StatusBadge } from '../components/ui';
import { Layout } from '../layout';
import type { HeadlineAccuracy } from '../../src/studies/series/runs';
import { LatestAccuracyCell } from './runs/series';
import { SCORER_BUILDER_HEAD, ScorerBuilder, ScorersField } from './scorer-builder';
import { StudyBudgetFields, StudyEstimateBox } from './runs/budget';
import type { StudyEstimate } from '../../src/studies/budget/estimate';

export type Progress = Awaited<ReturnType<typeof studyProgress>>;

export interface StudiesPageProps {
  providers: ProviderOption[];
  studies: Progress[];
  /** Each study's newest run and its headline accuracy. */
  latest?: Map<number, { run: number; accuracy: HeadlineAccuracy | null }>;
  error?: string;
  /** The form as submitted, filled in again (after an error, or the builder's buttons without JavaScript). */
  values?: FormValues;
  preview?: ScorerPreview;
  previewError?: string;
  /** The scorers field's text when the builder has just written it. */
  scorers?: string;
  scorersError?: string;
  /** The estimate, when the form's "Estimate" was sent without htmx. */
  estimate?: StudyEstimate;
}

export function StudiesPage(props: StudiesPageProps) {
  const values = props.values;
  const v = (key: string, fallback = '') => formValue(values, key, fallback);
  return (
    <Layout title="Studies" head={SCORER_BUILDER_HEAD}>
      <h1>Studies</h1>
      <p class="muted">Run every prompt against every target, several samples each. Progress is kept: a study can be cancelled and resumed, even after a crash.</p>
      {props.error ? <ErrorBox message={props.error} /> : null}
      <form class="panel" method="post" action="/studies" enctype="multipart/form-data">
        {/* The form's default button (Enter in a field), since the builder's come before "Start study". */}
        <input type="submit" value="Start study" hidden />
        <div class="row">
          <label>
            Name
            <input name="name" placeholder="my study" value={v('name')} />
          </label>
          <label>
            Samples per prompt and target
            <input name="samples" type="number" min="1" max="1000" value={v('samples', '3')} />
          </label>
          <label>
            Concurrency
            <input name="concurrency" type="number" min="1" max="256" value={v('concurrency', '8')} />
          </label>
        </div>
        <label class="wide">
          {/* One span: in the label's flex column, every bare <code> would be a line of its own. */}
          <span>
            Prompts, one per line — to score them, give each its expected answer after a tab: <code>prompt⇥expected</code>. Paste two columns from a
            spreadsheet (prompt, expected) and the tabs come with them; an expected cell may be a JSON list of acceptable answers,{' '}
            <code>{'["Lima", "Lima, Peru"]'}</code>.
          </span>
          <textarea name="prompts" rows={6} spellcheck={false} placeholder={'What is the capital of France?\tParis\nName a prime number.'}>
            {v('prompts')}
          </textarea>
        </label>
        <label class="wide">
          <span>
            …or upload a CSV (column <code>prompt</code>, optional <code>id</code> and <code>expected</code>; other columns become template variables and fields to slice by) or JSONL (one{' '}
            <code>{'{"prompt": …, "expected": …, "fields": {…}}'}</code> or <code>{'{"messages": […]}'}</code> per line){values ? ' — choose the file again: a page sent back cannot keep it' : ''}
          </span>
          <input type="file" name="file" accept=".csv,.jsonl,.ndjson,.txt" />
        </label>
        <label class="wide">
          Template (optional; {'{user_input}'} is the prompt, {'{column}'} a CSV column)
          <input name="template" value={v('template')} />
        </label>
        <TargetCheckboxes providers={props.providers} values={values} />
        <ParamFields values={values} />
        <label class="wide">
          Sweep (optional: one parameter per line; every target runs once per combination; a name this app does not know is refused unless “send parameters this app does not know” is ticked)
          <textarea name="sweep" rows={3} spellcheck={false} placeholder={'temperature = 0, 0.7, 1.0\ntop_p = 1, 0.9'}>
            {v('sweep')}
          </textarea>
        </label>
        <ScorerBuilder providers={props.providers} values={values} preview={props.preview} previewError={props.previewError} />
        <ScorersField text={props.scorers ?? v('scorers')} error={props.scorersError} />
        <StudyBudgetFields values={values} />
        <StudyEstimateBox estimate={props.estimate} />
        <button type="submit">Start study</button>
      </form>
      <h2>Recent studies</h2>
      {props.studies.length === 0 ? (
        <p class="muted">No studies yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>#</th><th>name</th><th>status</th><th>progress</th><th>failed</th><th>latest accuracy</th><th>created</th></tr>
          </thead>
          <tbody>
            {props.studies.map((s) => (
              <tr>
                <td><a href={`/studies/${s.id}`}>{s.id}</a></td>
                <td><a href={`/studies/${s.id}`}>{s.name}</a></td>
                <td><StatusBadge status={s.status} /></td>
                <td>{s.done + s.failed}/{s.total} ({s.percent}%)</td>
                <td>{s.failed}</td>
                <LatestAccuracyCell study={s.id} latest={props.latest?.get(s.id)} />
                <td class="nowrap">{s.created_at.replace('T', ' ').slice(0, 16)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
