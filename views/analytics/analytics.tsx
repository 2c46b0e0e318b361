// The analytics dashboard: summary cards, provider comparison and time-series charts, recent calls, search.
import type { analyticsSummary, providerComparison, recentActivity, searchAll, SeriesBucket, timeSeries } from '../../src/analytics/service';
import { Card, ErrorBox, StatusBadge, formatMs, formatUsd } from '../components/ui';
import { Layout } from '../layout';

type Summary = Awaited<ReturnType<typeof analyticsSummary>>;
type Comparison = Awaited<ReturnType<typeof providerComparison>>;
type Series = Awaited<ReturnType<typeof timeSeries>>;
type RecentCall = Awaited<ReturnType<typeof recentActivity>>[number];
type SearchHit = Awaited<ReturnType<typeof searchAll>>[number];

/** What public/charts.js draws: one Chart.js chart, its series on the left (y) or right (y2) axis. */
export interface ChartSpec {
  type: 'bar' | 'line';
  labels: string[];
  datasets: Array<{ label: string; data: Array<number | null>; axis?: 'y' | 'y2'; kind?: 'bar' | 'line'; hidden?: boolean }>;
  y: string;
  y2?: string;
}

export interface AnalyticsPageProps {
  bucket: SeriesBucket;
  days: number;
  q: string;
  summary: Summary;
  comparison: Comparison;
  series: Series;
  recent: RecentCall[];
  hits: SearchHit[] | null;
  error?: string;
}

const BUCKETS: SeriesBucket[] = ['minute', 'hour', 'day'];
const DAY_CHOICES = [1, 2, 7, 30, 90, 366];
const CHART_MODELS = 15;

const percent = (rate: number | null) => (rate == null ? '—' : `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)}%`);
const count = (n: number) => n.toLocaleString('en-US');

export function AnalyticsPage(props: AnalyticsPageProps) {
  const s = props.summary;
  const models = props.comparison.models;
  const charted = models.slice(0, CHART_MODELS);
  const labels = charted.map((m) => `${m.provider}/${m.model}`);
  return (
    <Layout title="Analytics" head={[<script src="/static/chart.umd.js" defer></script>, <script src="/static/charts.js" defer></script>]}>
      <h1>Analytics</h1>
      {props.error ? <ErrorBox message={props.error} /> : null}
      <form class="panel filters" method="get" action="/analytics">
        <label>
          Window
          <select name="days">
            {[...new Set([...DAY_CHOICES, props.days])].sort((a, b) => a - b).map((d) => (
              <option value={String(d)} selected={d === props.days}>
                {d === 1 ? 'today' : `last ${d} days`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time-series bucket
          <select name="bucket">
            {BUCKETS.map((b) => (
              <option value={b} selected={b === props.bucket}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
        <span class="muted">
          Whole UTC days since {s.window.from ?? 'the first call'}; minute buckets cover at most 2 days.
        </span>
      </form>

      <section class="cards">
        <Card label="Calls" value={count(s.calls)} />
        <Card label="Succeeded / failed" value={`${count(s.success)} / ${count(s.failed)}`} />
        <Card label="Failure rate" value={percent(s.failure_rate)} />
        <Card label="Tokens (prompt + completion)" value={<span title={`${count(s.prompt_tokens)} + ${count(s.completion_tokens)}`}>{count(s.total_tokens)}</span>} />
        <Card
          label="Cost (USD)"
          value={
            <span>
              {formatUsd(s.cost_usd)}
              {s.unpriced_calls > 0 ? (
                <small class="card-note">
                  {' '}
                  {s.cost_usd == null ? '' : '+ '}
                  <a href="/prices" title="no price in force, or no token counts">
                    {count(s.unpriced_calls)} {s.unpriced_calls === 1 ? 'call' : 'calls'} unpriced
                  </a>
                </small>
              ) : null}
            </span>
          }
        />
        <Card label="Providers / models" value={`${s.providers} / ${s.models}`} />
      </section>

      <h2>Providers and models</h2>
      {models.length === 0 ? (
        <p class="muted">No calls in this window.</p>
      ) : (
        <>
          <div class="chart-pair">
            <Chart id="chart-latency" spec={{ type: 'bar', labels, y: 'latency (ms)', datasets: [
              { label: 'p50 latency', data: charted.map((m) => m.p50_latency_ms) },
              { label: 'p95 latency', data: charted.map((m) => m.p95_latency_ms) },
            ] }} />
            <Chart id="chart-usage" spec={{ type: 'bar', labels, y: 'tokens', y2: 'failure rate (%)', datasets: [
              { label: 'total tokens', data: charted.map((m) => m.total_tokens) },
              { label: 'failure rate %', data: charted.map((m) => (m.failure_rate == null ? null : Math.round(m.failure_rate * 10000) / 100)), axis: 'y2', kind: 'line' },
            ] }} />
          </div>
          <ComparisonTable comparison={props.comparison} />
        </>
      )}

      <h2>Over time</h2>
      <Chart id="chart-series" spec={seriesChart(props.series)} />

      <h2>Search prompts and responses</h2>
      <form
        class="panel filters"
        method="get"
        action="/analytics"
        hx-get="/analytics/search"
        hx-target="#search-results"
        hx-swap="innerHTML"
        hx-trigger="submit, input changed delay:300ms"
      >
        <input type="hidden" name="days" value={String(props.days)} />
        <input type="hidden" name="bucket" value={props.bucket} />
        <label class="wide">
          Words (all must appear; newest calls first)
          <input name="q" type="search" value={props.q} placeholder="e.g. capital france" />
        </label>
        <button type="submit">Search</button>
      </form>
      <section id="search-results">{props.hits ? <SearchResults q={props.q} hits={props.hits} /> : null}</section>

      <h2>Recent calls</h2>
      <RecentCalls calls={props.recent} />
    </Layout>
  );
}

/** A canvas and its data as JSON in a script element that never runs; `<` is escaped so no text can end it. */
function Chart(props: { id: string; spec: ChartSpec }) {
  const json = JSON.stringify(props.spec).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return (
    <div class="chart">
      <canvas id={props.id} role="img" aria-label={props.spec.y}></canvas>
      <script type="application/json" data-chart-for={props.id} dangerouslySetInnerHTML={{ __html: json }}></script>
    </div>
  );
}

function seriesChart(series: Series): ChartSpec {
  const label = (t: string) => (series.bucket === 'day' ? t.slice(0, 10) : `${t.slice(5, 10)} ${t.slice(11, 16)}`);
  return {
    type: 'line',
    labels: series.points.map((p) => label(p.t)),
    y: `calls per ${series.bucket}`,
    y2: 'avg latency (ms)',
    datasets: [
      { label: 'succeeded', data: series.points.map((p) => p.success) },
      { label: 'failed', data: series.points.map((p) => p.failed) },
      { label: 'avg latency (ms)', data: series.points.map((p) => p.avg_latency_ms), axis: 'y2' },
      { label: 'tokens', data: series.points.map((p) => p.total_tokens), axis: 'y2', hidden: true },
    ],
  };
}

function ComparisonTable(props: { comparison: Comparison }) {
  return (
    <>
      <table>
        <thead>
          <tr>
            <th>Provider / model</th>
            <th>Calls</th>
            <th>Failure rate</th>
            <th>Avg latency</th>
            <th>p50</th>
            <th>p95</th>
            <th>Tokens</th>
            <th>Cost (USD)</th>
          </tr>
        </thead>
        <tbody>
          {props.comparison.models.map((m) => (
            <tr>
              <td>
                {m.provider}/{m.model}
              </td>
              <td>{count(m.calls)}</td>
              <td>{percent(m.failure_rate)}</td>
              <td class="nowrap">{formatMs(m.avg_latency_ms)}</td>
              <td class="nowrap">{formatMs(m.p50_latency_ms)}</td>
              <td class="nowrap">{formatMs(m.p95_latency_ms)}</td>
              <td>{count(m.total_tokens)}</td>
              <td class="nowrap">
                {formatUsd(m.cost_usd)}
                {m.unpriced_calls > 0 && m.cost_usd != null ? <span class="muted"> + {count(m.unpriced_calls)} unpriced</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">Latency is over successful calls; {props.comparison.latency_percentiles}.</p>
    </>
  );
}

export function SearchResults(props: { q: string; hits: SearchHit[]; error?: string }) {
  if (props.error) return <ErrorBox message={props.error} />;
  if (props.hits.length === 0) return <p class="muted">No call matches “{props.q}”.</p>;
  return (
    <ol class="search-hits">
      {props.hits.map((hit) => (
        <li>
          <a href={`/calls/${hit.id}`}>#{hit.id}</a> <StatusBadge status={hit.status} />{' '}
          <span class="muted">
            {hit.provider}/{hit.model} · {hit.created_at}
          </span>
          {hit.matches.map((m) => (
            <div class="snippet">
              <span class="muted">{m.field}:</span>{' '}
              {m.snippet.map((part) => (part.match ? <mark>{part.text}</mark> : part.text))}
            </div>
          ))}
        </li>
      ))}
    </ol>
  );
}

function RecentCalls(props: { calls: RecentCall[] }) {
  if (props.calls.length === 0) return <p class="muted">No calls captured yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Call</th>
          <th>When (UTC)</th>
          <th>Provider / model</th>
          <th>Status</th>
          <th>Latency</th>
          <th>Tokens</th>
          <th>Cost</th>
          <th>Prompt or error</th>
        </tr>
      </thead>
      <tbody>
        {props.calls.map((call) => (
          <tr class={call.status === 'failed' ? 'row-failed' : ''}>
            <td>
              <a href={`/calls/${call.id}`}>#{call.id}</a>
            </td>
            <td class="nowrap">{call.created_at.replace('T', ' ').slice(0, 19)}</td>
            <td>
              {call.provider}/{call.model}
            </td>
            <td>
              <StatusBadge status={call.status} />
            </td>
            <td class="nowrap">{formatMs(call.latency_ms)}</td>
            <td>{call.total_tokens ?? '—'}</td>
            <td class="nowrap">{formatUsd(call.cost_usd)}</td>
            <td class="preview">{call.status === 'failed' ? call.error_message : call.prompt_preview}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
