import type { CallSummary } from '../../src/capture/capture';
import { ParamFields, TargetCheckboxes, type ProviderOption } from '../components/target-fields';
import { ErrorBox } from '../components/ui';
import { Layout } from '../layout';
import { InferenceResult } from './inference';

export function ComparePage(props: { providers: ProviderOption[] }) {
  return (
    <Layout title="Compare">
      <h1>Side-by-side compare</h1>
      <p class="muted">One prompt, several targets: each column fills in as its answer arrives.</p>
      <form class="panel" method="post" action="/compare" hx-post="/compare" hx-target="#columns" hx-swap="innerHTML">
        <label class="wide">
          Prompt
          <textarea name="prompt" rows={4} required></textarea>
        </label>
        <TargetCheckboxes providers={props.providers} />
        <ParamFields />
        <button type="submit">Compare</button>
      </form>
      <section id="columns" class="columns"></section>
    </Layout>
  );
}

export interface CompareTarget {
  provider: string;
  model?: string;
}

/** One pending column per target; each loads itself with its own request. */
export function CompareColumns(props: { targets: CompareTarget[]; prompt: string; params: Record<string, unknown>; allowUnknownParams?: boolean }) {
  return (
    <>
      {props.targets.map((target) => (
        <div
          class="column"
          hx-post="/compare/cell"
          hx-trigger="load"
          hx-swap="outerHTML"
          hx-vals={JSON.stringify({
            provider: target.provider,
            model: target.model ?? '',
            prompt: props.prompt,
            params: JSON.stringify(props.params),
            ...(props.allowUnknownParams ? { allow_unknown_params: '1' } : {}),
          })}
        >
          <h3>
            {target.provider}/{target.model ?? 'default'}
          </h3>
          <p class="muted">waiting for the answer…</p>
        </div>
      ))}
    </>
  );
}

export function CompareCell(props: { target: CompareTarget; calls?: CallSummary[]; error?: string }) {
  return (
    <div class="column">
      <h3>
        {props.target.provider}/{props.calls?.[0]?.model ?? props.target.model ?? 'default'}
      </h3>
      {props.error ? <ErrorBox message={props.error} /> : <InferenceResult calls={props.calls ?? []} />}
    </div>
  );
}
