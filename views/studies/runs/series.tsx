// A study's runs over time (its first run and its re-runs), and the studies list's latest accuracy.
import type { HeadlineAccuracy, StudyRuns } from '../../../src/studies/series/runs';
import { StatusBadge } from '../../components/ui';
import { pct } from '../study-summary';

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : '—');

/** "72.0% [61.2–80.9%]", or a dash until the run is scored. */
export function HeadlineFigure(props: { accuracy: HeadlineAccuracy | null }) {
  const a = props.accuracy;
  if (!a || a.estimate === null) return <span class="muted" title="not scored yet">—</span>;
  return (
    <span title={`${a.scorer} v${a.version}: accuracy over ${a.items} items, 95% Wilson interval over items`}>
      {pct(a.estimate)} <span class="muted">[{pct(a.low)}–{pct(a.high)}]</span>
    </span>
  );
}

/** The studies list's cell: the newest run's headline accuracy, linked to that run when it is a re-run. */
export function LatestAccuracyCell(props: { study: number; latest?: { run: number; accuracy: HeadlineAccuracy | null } }) {
  const latest = props.latest;
  if (!latest) return <td class="muted">—</td>;
  return (
    <td class="nowrap">
      <HeadlineFigure accuracy={latest.accuracy} />
      {latest.run !== props.study ? <> · <a href={`/studies/${latest.run}`} class="muted">run {latest.run}</a></> : null}
    </td>
  );
}

/** Every run of the study, newest first, with a button to run it again. */
export function StudyRunsPanel(props: { study: number; runs: StudyRuns; schedule?: { every: string; next_run_at: string | null } | null }) {
  const { runs } = props.runs;
  return (
    <section class="panel" id="study-runs">
      <h2>Runs</h2>
      {props.schedule ? (
        <p class="muted">
          Runs again every {props.schedule.every}; next at {when(props.schedule.next_run_at)} UTC.
        </p>
      ) : null}
      {runs.length > 1 ? (
        <table>
          <thead>
            <tr><th>run</th><th>started</th><th>status</th><th>done</th><th>accuracy [95% interval]</th><th>repeats</th></tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr class={run.id === props.study ? 'current' : undefined}>
                <td>{run.id === props.study ? <strong>{run.id}</strong> : <a href={`/studies/${run.id}`}>{run.id}</a>}</td>
                <td class="nowrap">{when(run.created_at)}{run.scheduled_for ? <span class="muted"> (scheduled)</span> : null}</td>
                <td><StatusBadge status={run.status} /></td>
                <td>{run.done}/{run.total}{run.failed ? <span class="muted"> · {run.failed} failed</span> : null}</td>
                <td><HeadlineFigure accuracy={run.accuracy} /></td>
                <td>
                  {run.rerun_of === null ? (
                    <span class="muted">first run</span>
                  ) : (
                    <>
                      <a href={`/studies/${run.rerun_of}`}>{run.rerun_of}</a> · <a href={`/studies/${run.id}/drift?baseline=${run.rerun_of}`}>drift</a>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">This is the study's only run so far.</p>
      )}
      <form method="post" action={`/studies/${props.study}/rerun`}>
        <button type="submit" title="A new run of the same items, prompts, targets and scorers">Run again</button>
      </form>
    </section>
  );
}
