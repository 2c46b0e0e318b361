import { ErrorBox, StatusBadge, formatMs, formatUsd } from '../components/ui';
import { Layout } from '../layout';
import { groupTypeName } from '../../src/groups/service';

export interface GroupRow {
  id: number;
  group_type: string;
  name: string;
  description: string | null;
  created_at: string;
  members: number;
}

export const groupHref = (g: { id: number; group_type: string }) => {
  const type = groupTypeName(g.group_type);
  return type === 'study' ? `/studies/${g.id}` : type === 'conversation' ? `/conversations/${g.id}` : `/groups/${g.id}`;
};

export function GroupsPage(props: { groups: GroupRow[]; type?: string; error?: string }) {
  return (
    <Layout title="Groups">
      <h1>Groups and experiments</h1>
      {props.error ? <ErrorBox message={props.error} /> : null}
      <h2>New group</h2>
      <form class="panel row" method="post" action="/groups">
        <label>
          Type
          <select name="group_type">
            <option value="experiment">experiment</option>
            <option value="label">label</option>
          </select>
        </label>
        <label class="grow">
          Name
          <input name="name" required />
        </label>
        <label class="grow">
          Description
          <input name="description" />
        </label>
        <button type="submit">Create</button>
      </form>
      <h2>Groups</h2>
      <p>
        Show: <a href="/groups">all</a> · <a href="/groups?type=experiment">experiments</a> · <a href="/groups?type=label">labels</a> ·{' '}
        <a href="/groups?type=study">studies</a> · <a href="/groups?type=conversation">conversations</a>
      </p>
      {props.groups.length === 0 ? (
        <p class="muted empty-groups">
          No {props.type ? `${props.type} ` : ''}groups yet. Studies and chats make their own; an experiment or a label is made with the form above, and calls are filed into it from its page, by{' '}
          <code>group_id</code> on the inference API, or with the gateway's <code>x-study-group</code> header.
        </p>
      ) : (
      <table>
        <thead>
          <tr><th>#</th><th>type</th><th>name</th><th>calls</th><th>created</th></tr>
        </thead>
        <tbody>
          {props.groups.map((g) => (
            <tr>
              <td><a href={groupHref(g)}>{g.id}</a></td>
              <td>{groupTypeName(g.group_type)}</td>
              <td><a href={groupHref(g)}>{g.name}</a>{g.description ? <span class="muted"> — {g.description}</span> : null}</td>
              <td>{g.members}</td>
              <td class="nowrap">{g.created_at.replace('T', ' ').slice(0, 16)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      )}
    </Layout>
  );
}

export interface GroupDetail {
  group: { id: number; group_type: string; name: string; description: string | null; created_at: string };
  summary: Array<{ provider: string; model: string; calls: number; success: number; failed: number; avg_latency_ms: number | null; total_tokens: number | null; cost_usd: number | null }>;
  members: Array<{ call_id: number; position: number | null; role: string | null; provider: string; model: string; status: string; latency_ms: number | null; created_at: string }>;
}

export function GroupPage(props: GroupDetail & { error?: string }) {
  const g = props.group;
  return (
    <Layout title={g.name}>
      <h1>
        {g.name} <span class="muted">({groupTypeName(g.group_type)})</span>
      </h1>
      {g.description ? <p>{g.description}</p> : null}
      {props.error ? <ErrorBox message={props.error} /> : null}
      <h2>Per target</h2>
      <table>
        <thead>
          <tr><th>provider/model</th><th>calls</th><th>success</th><th>failed</th><th>avg latency</th><th>tokens</th><th>cost at capture</th></tr>
        </thead>
        <tbody>
          {props.summary.map((s) => (
            <tr>
              <td>{s.provider}/{s.model}</td>
              <td>{s.calls}</td>
              <td>{s.success}</td>
              <td class={s.failed ? 'bad' : ''}>{s.failed}</td>
              <td>{formatMs(s.avg_latency_ms)}</td>
              <td>{s.total_tokens ?? '—'}</td>
              <td>{formatUsd(s.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="panel row" method="post" action={`/groups/${g.id}/members`}>
        <label class="wide">
          Add calls (ids, comma separated)
          <input name="call_ids" placeholder="12, 13, 14" required />
        </label>
        <label>
          Role
          <input name="role" placeholder="optional" />
        </label>
        <button type="submit">Add</button>
      </form>
      <h2>Members</h2>
      <p><a href={`/calls?group_id=${g.id}`}>Browse these calls with filters</a></p>
      <table>
        <thead>
          <tr><th>position</th><th>call</th><th>role</th><th>status</th><th>provider/model</th><th>latency</th></tr>
        </thead>
        <tbody>
          {props.members.map((m) => (
            <tr>
              <td>{m.position ?? ''}</td>
              <td><a href={`/calls/${m.call_id}`}>#{m.call_id}</a></td>
              <td>{m.role ?? ''}</td>
              <td><StatusBadge status={m.status} /></td>
              <td>{m.provider}/{m.model}</td>
              <td>{formatMs(m.latency_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
