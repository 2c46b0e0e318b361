// Drift between two runs of a study: per target the change in accuracy with its interval and which
// model served each run, then the item × target cells whose answers moved, before and after side by side.
import type { DriftReport, DriftTarget } from '../../../src/studies/drift/service';
import type { SideDistribution } from '../../../src/studies/drift/compare';
import { pct } from '../study-summary';
import { Layout } from '../../layout';

/** The study page's way in: pick the run to compare this one with. */
export function CompareForm(props: { id: number; baseline?: number }) {
  return (
    <form class="compare-form" method="get" action={`/studies/${props.id}/drift`}>
      <label>
        Compare with… study id{' '}
        <input name="baseline" type="number" min={1} required value={props.baseline === undefined ? '' : String(props.baseline)} aria-label="baseline study id" />
      </label>{' '}
      <button type="submit">Show drift</button>
    </form>
  );
}

const signed = (value: number | null, digits = 1) => (value == null ? '—' : `${value > 0 ? '+' : ''}${(value * 100).toFixed(digits)} pts`);
const pValue = (p: number | null) => (p == null ? '—' : p < 0.001 ? '< 0.001' : p.toFixed(3));

export function DriftPage(props: { id: number; report: DriftReport | null }) {
  const r = props.report;
  return (
    <Layout title={`Drift of study ${props.id}`}>
      <h1>Drift of study {props.id}</h1>
      <p class="muted">
        <a href={`/studies/${props.id}`}>back to the study</a>
        {r ? (
          <>
            {' '}
            · against <a href={`/studies/${r.baseline.id}`}>study {r.baseline.id}</a> ({r.baseline.created_at}) ·{' '}
            <a href={`/api/v1/studies/${props.id}/drift?baseline=${r.baseline.id}`}>drift JSON</a>
          </>
        ) : null}
      </p>
      <CompareForm id={props.id} baseline={r?.baseline.id} />
      {r ? <DriftBody report={r} /> : <p>Pick an earlier run of the same items to compare this study with.</p>}
    </Layout>
  );
}

/** The drifted cells (the report is asked for those only), a page of them. */
function DriftBody(props: { report: DriftReport }) {
  const r = props.report;
  const drifted = r.items.rows;
  return (
    <>
      {r.warnings.length ? (
        <ul class="warnings">
          {r.warnings.map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      ) : null}
      <p>
        {r.scorer ? `Answers as scorer "${r.scorer.name}" compared them` : 'Raw answers (no scorer)'} · {r.shared_items} shared items · {r.cells_tested} item × target cells
        tested · <strong>{r.cells_drifted} drifted</strong> (Benjamini–Hochberg q &lt; {r.q_threshold})
      </p>
      <h2>Per target</h2>
      <table class="drift-targets">
        <thead>
          <tr>
            <th>target</th>
            <th>accuracy before → after</th>
            <th>change [95% interval]</th>
            <th>p</th>
            <th>items drifted</th>
            <th>served model</th>
          </tr>
        </thead>
        <tbody>
          {r.targets.map((t) => (
            <TargetRow target={t} />
          ))}
        </tbody>
      </table>
      <h2>Items that moved</h2>
      {r.items.total > drifted.length ? (
        <p class="muted">
          The first {drifted.length} of {r.items.total}; all of them in the <a href={`/api/v1/studies/${r.study.id}/drift?baseline=${r.baseline.id}&drifted=1&limit=1000`}>drift JSON</a>.
        </p>
      ) : null}
      {drifted.length === 0 ? (
        <p>No item's answers moved.</p>
      ) : (
        <table class="drift-items">
          <thead>
            <tr>
              <th>item</th>
              <th>target</th>
              <th>before</th>
              <th>after</th>
              <th>q</th>
              <th>TVD</th>
            </tr>
          </thead>
          <tbody>
            {drifted.map((row) => (
              <tr>
                <td>
                  <code>{row.key}</code>
                </td>
                <td>{r.targets[row.target_index]?.label ?? row.target_index}</td>
                <td>
                  <Distribution side={row.baseline} />
                </td>
                <td>
                  <Distribution side={row.current} />
                </td>
                <td>{pValue(row.q_value)}</td>
                <td>{row.tvd == null ? '—' : row.tvd.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TargetRow(props: { target: DriftTarget }) {
  const t = props.target;
  const d = t.accuracy_difference;
  const excludesZero = d.low != null && d.high != null && (d.low > 0 || d.high < 0);
  return (
    <tr>
      <td>
        {t.label}
        {t.same_target ? null : <span class="muted"> (was {t.baseline_label ?? '—'})</span>}
      </td>
      <td>
        {pct(d.baseline)} → {pct(d.current)} <span class="muted">({d.items} items)</span>
      </td>
      <td class={excludesZero ? 'drift-moved' : undefined}>
        <strong>{signed(d.difference)}</strong> <span class="muted interval">[{signed(d.low)} – {signed(d.high)}]</span>
      </td>
      <td>{pValue(t.p_value)}</td>
      <td>
        {t.drifted} of {t.tested}
      </td>
      <td>
        <Served label="before" models={t.served.baseline.models} fingerprints={t.served.baseline.fingerprints} />
        <Served label="after" models={t.served.current.models} fingerprints={t.served.current.fingerprints} />
        {t.served_model_changed ? <strong class="served-changed">changed: {t.served_changes.join(', ')}</strong> : null}
      </td>
    </tr>
  );
}

function Served(props: { label: string; models: string[]; fingerprints: string[] }) {
  return (
    <div>
      <span class="muted">{props.label}:</span> {props.models.length ? props.models.join(', ') : 'not reported'}
      {props.fingerprints.length ? <span class="muted"> · {props.fingerprints.join(', ')}</span> : null}
    </div>
  );
}

function Distribution(props: { side: SideDistribution }) {
  const s = props.side;
  if (s.n === 0) return <span class="muted">no samples</span>;
  const share = (count: number) => `${count}/${s.n}`;
  return (
    <ul class="distribution">
      {s.answers.map((a) => (
        <li>
          <code>{a.answer}</code> {share(a.count)}
        </li>
      ))}
      {s.other ? <li class="muted">other answers {share(s.other)}</li> : null}
      {s.format_failures ? <li class="muted">format failures {share(s.format_failures)}</li> : null}
      {s.errors ? <li class="muted">errors {share(s.errors)}</li> : null}
      <li class="muted">accuracy {pct(s.accuracy)}</li>
    </ul>
  );
}
