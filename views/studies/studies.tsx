import type { studyProgress } from '../../src/studies/service';
import { ParamFields, TargetCheckboxes, type ProviderOption } from '../components/target-fields';
import { ErrorBox, StatusBadge } from '../components/ui';
import { Layout } from '../layout';

export type Progress = Awaited<ReturnType<typeof studyProgress>>;

export function StudiesPage(props: { providers: ProviderOption[]; studies: Progress[]; error?: string }) {
  return (
    <Layout title="Studies">
      <h1>Studies</h1>
      <p class="muted">Run every prompt against every target, several samples each. Progress is kept: a study can be cancelled and resumed, even after a crash.</p>
      {props.error ? <ErrorBox message={props.error} /> : null}
      <form class="panel" method="post" action="/studies" enctype="multipart/form-data">
        <div class="row">
          <label>
            Name
            <input name="name" placeholder="my study" />
          </label>
          <label>
            Samples per prompt and target
            <input name="samples" type="number" min="1" max="1000" value="3" />
          </label>
          <label>
            Concurrency
            <input name="concurrency" type="number" min="1" max="256" value="8" />
          </label>
        </div>
        <label class="wide">
          Prompts, one per line
          <textarea name="prompts" rows={6} placeholder={'What is the capital of France?\nName a prime number.'}></textarea>
        </label>
        <label class="wide">
          {/* One span: in the label's flex column, every bare <code> would be a line of its own. */}
          <span>
            …or upload a CSV (column <code>prompt</code>, optional <code>id</code> and <code>expected</code>; other columns become template variables and fields to slice by) or JSONL (one{' '}
            <code>{'{"prompt": …, "expected": …, "fields": {…}}'}</code> or <code>{'{"messages": […]}'}</code> per line)
          </span>
          <input type="file" name="file" accept=".csv,.jsonl,.ndjson,.txt" />
        </label>
        <label class="wide">
          Template (optional; {'{user_input}'} is the prompt, {'{column}'} a CSV column)
          <input name="template" />
        </label>
        <TargetCheckboxes providers={props.providers} />
        <ParamFields />
        <div class="row">
          <label class="half">
            Sweep (optional: one parameter per line; every target runs once per combination)
            <textarea name="sweep" rows={3} spellcheck={false} placeholder={'temperature = 0, 0.7, 1.0\ntop_p = 1, 0.9'}></textarea>
          </label>
          <label class="half">
            Scorers (optional JSON list, run from the study page; see the README)
            <textarea name="scorers" rows={3} spellcheck={false} placeholder={'[{"type": "normalized_exact"}, {"name": "letter", "type": "exact", "extract": {"type": "choice_letter"}}]'}></textarea>
          </label>
        </div>
        <button type="submit">Start study</button>
      </form>
      <h2>Recent studies</h2>
      {props.studies.length === 0 ? (
        <p class="muted">No studies yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>#</th><th>name</th><th>status</th><th>progress</th><th>failed</th><th>created</th></tr>
          </thead>
          <tbody>
            {props.studies.map((s) => (
              <tr>
                <td><a href={`/studies/${s.id}`}>{s.id}</a></td>
                <td><a href={`/studies/${s.id}`}>{s.name}</a></td>
                <td><StatusBadge status={s.status} /></td>
                <td>{s.done + s.failed}/{s.total} ({s.percent}%)</td>
                <td>{s.failed}</td>
                <td class="nowrap">{s.created_at.replace('T', ' ').slice(0, 16)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
