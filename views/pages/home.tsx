import { Layout } from '../layout';

export interface ProviderSummary {
  name: string;
  label: string;
  models: string[];
}

export function HomePage(props: { providers: ProviderSummary[]; callCount: number }) {
  return (
    <Layout title="Home">
      <h1>Study Query LLM</h1>
      <p>
        A workbench for studying how LLMs answer. Every call is captured, success or failure.{' '}
        <strong>{props.callCount}</strong> calls captured so far.
      </p>
      <h2>Configured providers</h2>
      <ul>
        {props.providers.map((p) => (
          <li>
            <strong>{p.name}</strong> — {p.label} ({p.models.join(', ')})
          </li>
        ))}
      </ul>
      <p>
        Try it: <code>POST /api/v1/inference</code> with{' '}
        <code>{'{"provider":"echo","prompt":"Hello"}'}</code>. The API is described at{' '}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
      </p>
    </Layout>
  );
}
