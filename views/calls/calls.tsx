import type { Child } from 'hono/jsx';
import type { callJson, callSummaryJson } from '../../src/calls/call-json';
import type { CallSource } from '../../src/calls/call-source';
import type { CallScores, StudyCellLink } from '../../src/studies/scoring/human-labels';
import { LabelButtons, noteOf } from '../components/label-buttons';
import { JsonBlock, StatusBadge, formatMs, formatUsd } from '../components/ui';
import { groupHref } from '../groups/groups';
import { Layout } from '../layout';

export type CallRow = ReturnType<typeof callSummaryJson> & { source: CallSource };
export type CallDetail = ReturnType<typeof callJson>;

export interface CallFilterValues {
  provider?: string;
  model?: string;
  status?: string;
  group_id?: string;
  request_id?: string;
  q?: string;
  from?: string;
  to?: string;
}

export function CallsPage(props: { filters: CallFilterValues; providers: string[]; table: Child }) {
  const f = props.filters;
  return (
    <Layout title="Calls">
      <h1>Calls</h1>
      <form class="panel filters" method="get" action="/calls" hx-get="/calls/table" hx-target="#calls-table" hx-swap="innerHTML" hx-push-url="true">
        <label>
          Provider
          <select name="provider">
            <option value="">any</option>
            {props.providers.map((p) => (
              <option value={p} selected={p === f.provider}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input name="model" value={f.model ?? ''} />
        </label>
        <label>
          Status
          <select name="status">
            <option value="">any</option>
            <option value="success" selected={f.status === 'success'}>
              success
            </option>
            <option value="failed" selected={f.status === 'failed'}>
              failed
            </option>
          </select>
        </label>
        <label>
          Group id
          <input name="group_id" type="number" min="1" value={f.group_id ?? ''} />
        </label>
        <label>
          Request id
          <input name="request_id" value={f.request_id ?? ''} placeholder="x-study-request-id" spellcheck={false} />
        </label>
        <label>
          From
          <input name="from" type="date" value={f.from ?? ''} />
        </label>
        <label>
          To
          <input name="to" type="date" value={f.to ?? ''} />
        </label>
        <label class="wide">
          Text search
          <input name="q" type="search" value={f.q ?? ''} placeholder="words in prompts, responses or errors" />
        </label>
        <button type="submit">Filter</button>
        <a href="/calls?status=failed">failed only</a>
      </form>
      <p class="export-links">
        Export these calls: <a href={`/api/v1/calls/export?${exportQuery(f, 'csv')}`}>CSV</a> ·{' '}
        <a href={`/api/v1/calls/export?${exportQuery(f, 'jsonl')}`}>JSONL</a>
      </p>
      <section id="calls-table">{props.table}</section>
    </Layout>
  );
}

function exportQuery(filters: CallFilterValues, format: string) {
  const params = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  return params.toString();
}

export function CallsTable(props: { calls: CallRow[]; nextHref: string | null; error?: string }) {
  if (props.error) return <div class="error-box">{props.error}</div>;
  if (props.calls.length === 0) return <p class="muted">No calls match these filters.</p>;
  return (
    <>
      <table class="calls">
        <thead>
          <tr>
            <th>#</th>
            <th>when (UTC)</th>
            <th>status</th>
            <th>source</th>
            <th>provider/model</th>
            <th>prompt</th>
            <th>response / error</th>
            <th>latency</th>
            <th>tokens</th>
          </tr>
        </thead>
        <tbody>
          {props.calls.map((call) => (
            <tr class={`row-${call.status}`}>
              <td>
                <a href={`/calls/${call.id}`}>{call.id}</a>
              </td>
              <td class="nowrap">{call.created_at.replace('T', ' ').slice(0, 19)}</td>
              <td>
                <StatusBadge status={call.status} />
              </td>
              <td class={`nowrap source source-${call.source.kind}`}>{call.source.href ? <a href={call.source.href}>{call.source.label}</a> : call.source.label}</td>
              <td>
                {call.provider}/{call.model}
              </td>
              <td class="preview">{call.prompt_preview}</td>
              <td class="preview">{call.status === 'failed' ? call.error_class : call.response_preview}</td>
              <td class="nowrap">{formatMs(call.latency_ms)}</td>
              <td>{call.total_tokens ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.nextHref ? (
        <p>
          <a class="button" href={props.nextHref}>
            Next page →
          </a>
        </p>
      ) : null}
    </>
  );
}

export function CallDetailPage(props: { call: CallDetail; groups: Array<{ id: number; name: string; group_type: string }>; scores: CallScores; studyCell?: StudyCellLink | null }) {
  const call = props.call;
  return (
    <Layout title={`Call ${call.id}`} head={<script src="/static/labels.js" defer></script>}>
      <h1>
        Call #{call.id} <StatusBadge status={call.status} />
      </h1>
      <table class="facts">
        <tbody>
          <tr><th>provider/model</th><td>{call.provider}/{call.model} ({call.modality})</td></tr>
          {call.served_model || call.system_fingerprint ? (
            <tr>
              <th>served by</th>
              <td>
                {call.served_model ?? '(model not reported)'}
                {call.served_model && call.served_model !== call.model ? ' (not the model asked for)' : ''}
                {call.system_fingerprint ? <> · fingerprint <code>{call.system_fingerprint}</code></> : null}
              </td>
            </tr>
          ) : null}
          <tr><th>created</th><td>{call.created_at}</td></tr>
          <tr><th>latency</th><td>{formatMs(call.latency_ms)}</td></tr>
          <tr><th>cost at capture</th><td>{formatUsd(call.cost_usd)}</td></tr>
          <tr><th>request hash</th><td><code>{call.request_hash}</code></td></tr>
          {call.request_id ? (
            <tr>
              <th>request id</th>
              <td>
                <code>{call.request_id}</code> · <a href={`/calls?${new URLSearchParams({ request_id: call.request_id })}`}>every call of this request</a>
              </td>
            </tr>
          ) : null}
          {props.studyCell ? <StudyCellRow cell={props.studyCell} /> : null}
          <tr>
            <th>groups</th>
            <td>
              {props.groups.length === 0
                ? 'none'
                : props.groups.map((g) => (
                    <a class="tag" href={groupHref(g)}>
                      {g.group_type}: {g.name}
                    </a>
                  ))}
            </td>
          </tr>
        </tbody>
      </table>
      {call.status === 'success' && typeof call.response?.text === 'string' ? (
        <section>
          <h2>Answer</h2>
          <pre class="answer">{call.response.text}</pre>
        </section>
      ) : null}
      <CallScoresBlock callId={call.id} scores={props.scores} />
      {call.error ? <JsonBlock label="Error" value={call.error} /> : null}
      <JsonBlock label="Request (as sent)" value={call.request} />
      <JsonBlock label="Response" value={call.response} />
      <JsonBlock label="Tokens" value={call.tokens} />
      <JsonBlock label="Metadata" value={call.metadata} />
    </Layout>
  );
}

/** The call's human label (buttons; keys p, f, x) and every automatic score it has. */
function CallScoresBlock(props: { callId: number; scores: CallScores }) {
  const { human, scores } = props.scores;
  const latest = scores[0];
  return (
    <section class="call-scores" data-label-list>
      <h2>Scores</h2>
      <div data-label-row tabindex={0} class="label-row">
        <span class="muted">Human label (keys: p pass, f fail, x clear):</span>{' '}
        <LabelButtons
          callId={props.callId}
          human={human ? { pass: human.pass, label: human.label, note: noteOf(human.detail) } : null}
          automatic={latest ? { scorer: latest.scorer, version: latest.version, pass: latest.pass } : null}
        />
      </div>
      {scores.length ? (
        <table class="scores-table">
          <thead>
            <tr><th>scorer</th><th>version</th><th>pass</th><th>value</th><th>label</th><th>compared answer</th><th>when</th></tr>
          </thead>
          <tbody>
            {scores.map((s) => (
              <tr>
                <td>{s.scorer} <span class="muted">({s.kind})</span></td>
                <td>{s.version}</td>
                <td class={s.pass === true ? 'good' : s.pass === false ? 'bad' : 'muted'}>{s.pass === null ? '—' : s.pass ? 'pass' : 'fail'}</td>
                <td>{s.value ?? '—'}</td>
                <td>{s.label ?? '—'}{s.judge_call_id ? <> · <a href={`/calls/${s.judge_call_id}`}>judge call</a></> : null}</td>
                <td class="preview">{s.answer ?? '—'}</td>
                <td class="nowrap">{s.created_at.replace('T', ' ').slice(0, 19)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No scorer has scored this call.</p>
      )}
    </section>
  );
}

/** The study cell this call answered: back to its samples, and to the study with the cell open. */
function StudyCellRow(props: { cell: StudyCellLink }) {
  const { study_id, item_id, item_key, target_index, sample_index } = props.cell;
  return (
    <tr>
      <th>study cell</th>
      <td>
        <a class="study-cell-link" href={`/studies/${study_id}/cells/${item_id}/${target_index}`}>
          item {item_key} × target {target_index}
        </a>{' '}
        <span class="muted">
          sample {sample_index + 1} of study <a href={`/studies/${study_id}`}>#{study_id}</a>
        </span>
      </td>
    </tr>
  );
}
