// The embeddings page: embed texts through the cache, see which were hits, search by similarity.
import type { Child } from 'hono/jsx';
import type { EmbedResult } from '../../src/embeddings/service';
import type { Neighbor } from '../../src/embeddings/vector-index';
import { ErrorBox } from '../components/ui';
import { Layout } from '../layout';

export interface EmbeddingProviderOption {
  name: string;
  label: string;
  models: string[];
}

export interface CachedModel {
  model: string;
  dimension: number;
  vectors: number;
}

function ProviderModel(props: { providers: EmbeddingProviderOption[]; idPrefix: string }) {
  const listId = `${props.idPrefix}-models`;
  return (
    <div class="row">
      <label>
        Provider
        <select name="provider">
          {props.providers.map((p) => (
            <option value={p.name}>{p.label}</option>
          ))}
        </select>
      </label>
      <label>
        Model
        <input name="model" list={listId} value={props.providers[0]?.models[0] ?? ''} required />
        <datalist id={listId}>
          {[...new Set(props.providers.flatMap((p) => p.models))].map((m) => (
            <option value={m} />
          ))}
        </datalist>
      </label>
      <label>
        Dimensions (optional)
        <input name="dimensions" type="number" min="1" max="65536" />
      </label>
      <label>
        Group id (optional)
        <input name="group_id" type="number" min="1" />
      </label>
    </div>
  );
}

export function EmbeddingsPage(props: {
  providers: EmbeddingProviderOption[];
  cache: CachedModel[];
  embedResult?: Child;
  similarResult?: Child;
}) {
  return (
    <Layout title="Embeddings">
      <h1>Embeddings</h1>
      {props.providers.length === 0 ? <ErrorBox message="No configured provider offers embeddings." /> : null}
      <h2>Embed</h2>
      <form class="panel" method="post" action="/embeddings" hx-post="/embeddings" hx-target="#embed-result" hx-swap="innerHTML">
        <ProviderModel providers={props.providers} idPrefix="embed" />
        <label class="wide">
          Texts, one per line
          <textarea name="texts" rows={6} required placeholder={'The cat sat on the mat.\nA dog slept by the door.'}></textarea>
        </label>
        <button type="submit">Embed</button>
      </form>
      <section id="embed-result" aria-live="polite">
        {props.embedResult}
      </section>

      <h2>Search by similarity</h2>
      <form class="panel" method="post" action="/embeddings/similar" hx-post="/embeddings/similar" hx-target="#similar-result" hx-swap="innerHTML">
        <ProviderModel providers={props.providers} idPrefix="similar" />
        <div class="row">
          <label class="wide">
            Query text
            <input name="text" required placeholder="a pet resting at home" />
          </label>
          <label>
            Neighbours (k)
            <input name="k" type="number" min="1" max="100" value="10" />
          </label>
        </div>
        <button type="submit">Search</button>
      </form>
      <section id="similar-result" aria-live="polite">
        {props.similarResult}
      </section>

      <h2>Cache</h2>
      <CacheSection cache={props.cache} />
    </Layout>
  );
}

/** The cache counts; an embed response swaps a fresh copy in out of band (`oob`). */
export function CacheSection(props: { cache: CachedModel[]; oob?: boolean }) {
  return (
    <section id="embedding-cache" hx-swap-oob={props.oob ? 'true' : undefined}>
      <CacheTable cache={props.cache} />
    </section>
  );
}

function CacheTable(props: { cache: CachedModel[] }) {
  if (props.cache.length === 0) return <p class="muted">Nothing cached yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Model</th>
          <th>Dimension</th>
          <th>Cached vectors</th>
        </tr>
      </thead>
      <tbody>
        {props.cache.map((row) => (
          <tr>
            <td>{row.model}</td>
            <td>{row.dimension}</td>
            <td>{row.vectors}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EmbedResultView(props: { result: EmbedResult; texts: string[] }) {
  const r = props.result;
  return (
    <div class="results" data-provider-requests={String(r.provider_requests)}>
      <p>
        {r.embeddings.length} text(s): <strong>{r.cached} from cache</strong>, {r.embedded} embedded in {r.provider_requests} provider
        request(s){r.failed ? <span class="bad">, {r.failed} failed</span> : null}.
      </p>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Text</th>
            <th>Cache</th>
            <th>Dimension</th>
            <th>Call</th>
            <th>Cache key</th>
          </tr>
        </thead>
        <tbody>
          {r.embeddings.map((e) => (
            <tr class={e.status === 'failed' ? 'row-failed' : undefined}>
              <td>{e.index + 1}</td>
              <td class="preview">{props.texts[e.index] ?? ''}</td>
              <td>
                {e.status === 'failed' ? (
                  <span class="badge badge-failed" title={e.error?.message}>
                    failed
                  </span>
                ) : e.cached ? (
                  <span class="badge badge-success">hit</span>
                ) : (
                  <span class="badge">new</span>
                )}
              </td>
              <td>{e.dimension ?? '—'}</td>
              <td>
                <a href={`/calls/${e.call_id}`}>#{e.call_id}</a>
              </td>
              <td>
                <code title={e.request_hash}>{e.request_hash.slice(0, 12)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SimilarResultView(props: { neighbors: Neighbor[]; cachedQuery: boolean | null }) {
  return (
    <div class="results">
      {props.cachedQuery !== null ? (
        <p class="muted">The query text was {props.cachedQuery ? 'already in the cache' : 'embedded now and added to the cache'}; it is left out of the results.</p>
      ) : null}
      {props.neighbors.length === 0 ? (
        <p class="muted">No cached embeddings of this model and dimension to compare with.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Rank</th>
              <th>Text</th>
              <th>Cosine distance</th>
              <th>Provider</th>
              <th>Call</th>
            </tr>
          </thead>
          <tbody>
            {props.neighbors.map((n, i) => (
              <tr>
                <td>{i + 1}</td>
                <td class="preview">{n.text ?? ''}</td>
                <td>{n.distance.toFixed(4)}</td>
                <td>{n.provider}</td>
                <td>
                  <a href={`/calls/${n.call_id}`}>#{n.call_id}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
