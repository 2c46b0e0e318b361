import type { CallSummary } from '../../src/capture/capture';
import { ParamFields, PreprocessFields, ProviderModelFields, type ProviderOption } from '../components/target-fields';
import { ErrorBox, StatusBadge, formatMs } from '../components/ui';
import { Layout } from '../layout';

export function InferencePage(props: { providers: ProviderOption[] }) {
  return (
    <Layout title="Inference">
      <h1>Inference</h1>
      <form class="panel" method="post" action="/inference" hx-post="/inference" hx-target="#result" hx-swap="innerHTML">
        <ProviderModelFields providers={props.providers} />
        <label class="wide">
          Prompt
          <textarea name="prompt" rows={6} required placeholder="Ask something…"></textarea>
        </label>
        <ParamFields />
        <div class="row">
          <label>
            Samples
            <input name="samples" type="number" min="1" max="100" value="1" />
          </label>
        </div>
        <PreprocessFields />
        <button type="submit">Run</button>
      </form>
      <section id="result" aria-live="polite"></section>
    </Layout>
  );
}

export function InferenceResult(props: { calls: CallSummary[] }) {
  return (
    <div class="results">
      {props.calls.map((call, i) => (
        <article class={`result result-${call.status}`} data-call-id={String(call.id)}>
          <header>
            <StatusBadge status={call.status} /> {props.calls.length > 1 ? `sample ${i + 1} · ` : ''}
            {call.provider}/{call.model} · {formatMs(call.latency_ms)}
            {call.tokens ? ` · ${call.tokens.prompt ?? '?'} in / ${call.tokens.completion ?? '?'} out tokens` : ''} ·{' '}
            <a href={`/calls/${call.id}`}>call #{call.id}</a>
          </header>
          {call.status === 'success' ? (
            <pre class="answer">{call.text}</pre>
          ) : (
            <ErrorBox message={`${call.error?.class ?? 'Error'}${call.error?.status ? ` (HTTP ${call.error.status})` : ''}: ${call.error?.message ?? ''} — after ${call.error?.attempts ?? 1} attempt(s)`} />
          )}
        </article>
      ))}
    </div>
  );
}
