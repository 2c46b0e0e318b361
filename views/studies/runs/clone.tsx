// Clone and change: the setup of a study, filled in, to change and start as a new study with the same items.
import type { StudySetup } from '../../../src/studies/variants/clone';
import { formValue, type FormValues } from '../../components/form-values';
import { ErrorBox } from '../../components/ui';
import { Layout } from '../../layout';

/** A JSON list one element a line: readable and easy to edit in a textarea. */
export const jsonLines = (list: readonly unknown[] | undefined) => (list?.length ? `[\n${list.map((entry) => `  ${JSON.stringify(entry)}`).join(',\n')}\n]` : '');

export interface ClonePageProps {
  setup: StudySetup;
  error?: string;
  /** The form as sent, filled in again after an error. */
  values?: FormValues;
}

export function ClonePage(props: ClonePageProps) {
  const s = props.setup;
  const v = (key: string, fallback: string) => formValue(props.values, key, fallback);
  return (
    <Layout title={`Clone study ${s.studyId}`}>
      <h1>Clone and change: {s.name}</h1>
      <p class="muted">
        A new study with the same {s.items} item(s) as <a href={`/studies/${s.studyId}`}>study {s.studyId}</a>, and its setup as filled in below: change what you
        want to compare (another model, another template) and start it.{s.sweep ? ' Its sweep is kept.' : ''}
      </p>
      {props.error ? <ErrorBox message={props.error} /> : null}
      <form class="panel" method="post" action={`/studies/${s.studyId}/clone`}>
        <div class="row">
          <label>
            Name
            <input name="name" value={v('name', `${s.name} (clone)`)} />
          </label>
          <label>
            Samples per prompt and target
            <input name="samples" type="number" min="1" max="1000" value={v('samples', String(s.samples))} />
          </label>
        </div>
        <label class="wide">
          Targets (JSON list: provider, model, params; add <code>"allow_unknown_params": true</code> to send parameter names this app does not know)
          <textarea name="targets" rows={Math.min(12, s.targets.length + 2)} spellcheck={false}>{v('targets', jsonLines(s.targets))}</textarea>
        </label>
        <label class="wide">
          Template (optional; {'{user_input}'} is the prompt, {'{column}'} a variable) — or prompt variants below, not both
          <input name="template" value={v('template', s.template ?? '')} />
        </label>
        <label class="wide">
          Prompt variants (optional JSON list of {'{"name": …, "template": …}'}: every target runs once per variant, each pair a column)
          <textarea name="prompts" rows={Math.min(12, (s.prompts?.length ?? 1) + 2)} spellcheck={false} placeholder={'[\n  {"name": "terse", "template": "Answer in one word: {user_input}"},\n  {"name": "plain", "template": "{user_input}"}\n]'}>
            {v('prompts', jsonLines(s.prompts))}
          </textarea>
        </label>
        <label class="wide">
          Scorers (JSON list; empty: none)
          <textarea name="scorers" rows={4} spellcheck={false}>{v('scorers', jsonLines(s.scorers))}</textarea>
        </label>
        <button type="submit">Start the clone</button>
      </form>
    </Layout>
  );
}
