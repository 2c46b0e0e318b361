import { Layout } from '../layout';

export interface ProviderSummary {
  name: string;
  label: string;
  models: string[];
}

const AREAS = [
  ['/inference', 'Inference', 'Send one prompt, n samples, with optional preprocessing.'],
  ['/compare', 'Compare', 'One prompt to several targets, side by side.'],
  ['/studies', 'Studies', 'Prompts × targets × samples (and sweeps) from a CSV/JSONL, live progress, scorers, intervals and human labels.'],
  ['/calls', 'Calls', 'Every captured call, success or failure: filter, search, inspect, export.'],
  ['/groups', 'Groups', 'Experiments and labels: file calls together and compare them.'],
  ['/conversations', 'Chats', 'Multi-turn conversations kept as groups of turns.'],
  ['/embeddings', 'Embeddings', 'Cached embeddings and similarity search.'],
  ['/analytics', 'Analytics', 'Calls, tokens, cost, latency and failures over time.'],
] as const;

export function HomePage(props: { providers: ProviderSummary[]; callCount: number; /** This server's /v1, as the request reached it. */ gatewayUrl: string }) {
  return (
    <Layout title="Home">
      <h1>Study Query LLM</h1>
      <p>
        A workbench for studying how LLMs answer. Every call is captured, success or failure —{' '}
        <strong>{props.callCount}</strong> so far.
      </p>
      <div class="areas">
        {AREAS.map(([href, title, text]) => (
          <a class="area" href={href}>
            <strong>{title}</strong>
            <span>{text}</span>
          </a>
        ))}
      </div>
      <h2>Configured providers</h2>
      <ul>
        {props.providers.map((p) => (
          <li>
            <strong>{p.name}</strong> — {p.label} ({p.models.join(', ')})
          </li>
        ))}
      </ul>
      <p class="muted">
        API: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> · OpenAI-compatible gateway: <code>{props.gatewayUrl}</code> (give it to an OpenAI SDK as <code>base_url</code>)
      </p>
    </Layout>
  );
}
