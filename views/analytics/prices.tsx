// The versioned price table: every version per provider/model, and a form to add or correct one.
import type { PriceJson } from '../../src/analytics/prices';
import { ErrorBox } from '../components/ui';
import { Layout } from '../layout';

export interface PriceFormValues {
  provider?: string;
  model?: string;
  input_usd_per_million?: string;
  output_usd_per_million?: string;
  effective_from?: string;
}

export function PricesPage(props: { prices: PriceJson[]; today: string; error?: string; saved?: string; values?: PriceFormValues }) {
  const v = props.values ?? {};
  return (
    <Layout title="Prices">
      <h1>Prices</h1>
      <p>
        USD per million tokens, by provider and model. A version is in force from 00:00 UTC of its date until the next
        version; the dashboard prices every call with the version in force when it was made, so adding or correcting a
        version re-prices earlier calls too. Calls with no version in force are shown as <em>unpriced</em>, never as $0.
      </p>
      {props.error ? <ErrorBox message={props.error} /> : null}
      {props.saved ? <p class="notice">Saved {props.saved}.</p> : null}
      <form class="panel filters" method="post" action="/prices">
        <label>
          Provider
          <input name="provider" required value={v.provider ?? ''} placeholder="openai" />
        </label>
        <label>
          Model
          <input name="model" required value={v.model ?? ''} placeholder="gpt-4o-mini" />
        </label>
        <label>
          Input USD / 1M tokens
          <input name="input_usd_per_million" type="number" min="0" step="any" required value={v.input_usd_per_million ?? ''} />
        </label>
        <label>
          Output USD / 1M tokens
          <input name="output_usd_per_million" type="number" min="0" step="any" required value={v.output_usd_per_million ?? ''} />
        </label>
        <label>
          In force from (UTC date)
          <input name="effective_from" type="date" required value={v.effective_from ?? props.today} />
        </label>
        <button type="submit">Save version</button>
        <span class="muted">The same provider, model and date corrects that version.</span>
      </form>
      {props.prices.length === 0 ? (
        <p class="muted">No prices yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Provider</th>
              <th>Model</th>
              <th>Input / 1M</th>
              <th>Output / 1M</th>
              <th>From</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.prices.map((p) => (
              <tr>
                <td>{p.provider}</td>
                <td>{p.model}</td>
                <td>${p.input_usd_per_million}</td>
                <td>${p.output_usd_per_million}</td>
                <td class="nowrap">{p.effective_from}</td>
                <td>{p.in_force ? <span class="badge badge-success">in force</span> : p.effective_from > props.today ? <span class="badge">scheduled</span> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
