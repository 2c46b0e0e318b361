import type { batchProgress, batchResults } from '../../src/services/batches';
import { ParamFields, TargetCheckboxes, type ProviderOption } from '../components/target-fields';
import { ErrorBox, StatusBadge } from '../components/ui';
import { Layout } from '../layout';

export type Progress = Awaited<ReturnType<typeof batchProgress>>;
export type Results = Awaited<ReturnType<typeof batchResults>>;

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
          …or upload a CSV (column <code>prompt</code>, optional <code>id</code>; other columns become template variables) or JSONL (one <code>{'{"prompt": …}'}</code> or <code>{'{"messages": […]}'}</code> per line)
          <input type="file" name="file" accept=".csv,.jsonl,.ndjson,.txt" />
        </label>
        <label class="wide">
          Template (optional; {'{user_input}'} is the prompt, {'{column}'} a CSV column)
          <input name="template" />
        </label>
        <TargetCheckboxes providers={props.providers} />
        <ParamFields />
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

export function StudyPage(props: { progress: Progress; results: Results }) {
  return (
    <Layout title={`Study ${props.progress.id}`}>
      <h1>{props.progress.name}</h1>
      <p class="muted">
        Targets: {props.progress.targets.map((t) => `${t.provider}/${t.model}`).join(', ')} · {props.progress.samples} sample(s) · concurrency {props.progress.concurrency} ·{' '}
        <a href={`/calls?group_id=${props.progress.id}`}>all calls</a> · <a href={`/api/v1/batches/${props.progress.id}/results`}>results JSON</a>
      </p>
      <StudyLive progress={props.progress} results={props.results} />
    </Layout>
  );
}

/** Progress and results; re-polled every second while the study runs, static once it stops. */
export function StudyLive(props: { progress: Progress; results: Results }) {
  const p = props.progress;
  const running = p.status === 'running';
  const poll = running ? { 'hx-get': `/studies/${p.id}/live`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' } : {};
  return (
    <section id="study-live" {...poll}>
      <div class="progress-line">
        <StatusBadge status={p.status} />
        <progress max={100} value={p.percent} aria-label="study progress"></progress>
        <strong class="percent">{p.percent}%</strong>
        <span>
          {p.done} done · {p.failed} failed · {p.running} running · {p.pending} pending of {p.total}
          {p.rate_per_s != null ? ` · ${p.rate_per_s}/s` : ''}
          {p.eta_s != null && running ? ` · ETA ${p.eta_s}s` : ''}
        </span>
        {running ? (
          <button hx-post={`/studies/${p.id}/cancel`} hx-target="#study-live" hx-swap="outerHTML">Cancel</button>
        ) : p.done < p.total ? (
          <button hx-post={`/studies/${p.id}/resume`} hx-target="#study-live" hx-swap="outerHTML">Resume</button>
        ) : null}
      </div>
      <ResultsTable results={props.results} />
    </section>
  );
}

function ResultsTable(props: { results: Results }) {
  if (props.results.results.length === 0) return <p class="muted">No results yet.</p>;
  return (
    <table class="results-table">
      <thead>
        <tr><th>item</th><th>target</th><th>samples</th><th>answers (count)</th></tr>
      </thead>
      <tbody>
        {props.results.results.map((r) => (
          <tr>
            <td>{r.item_key}</td>
            <td class="nowrap">{r.target.provider}/{r.target.model}</td>
            <td class="nowrap">
              {r.success}/{r.samples}
              {r.failed ? <span class="bad"> · {r.failed} failed</span> : null}
              {r.pending ? <span class="muted"> · {r.pending} pending</span> : null}
            </td>
            <td>
              <ul class="answers">
                {r.answers.map((a) => (
                  <li>
                    <span class="count">×{a.count}</span> <span class="answer-text">{a.text}</span>
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
