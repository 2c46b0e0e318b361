// Before and while a study spends: its estimate on the Studies form, and on the study page its dry
// run mark and spend against its cap (with the form that raises the cap).
import type { StudyEstimate } from '../../../src/studies/budget/estimate';
import { ErrorBox, formatUsd } from '../../components/ui';
import { formValue, type FormValues } from '../../components/form-values';
import type { studyProgress } from '../../../src/studies/service';

type Progress = Awaited<ReturnType<typeof studyProgress>>;

const usd = (value: number) => `$${value < 1 ? value.toFixed(value < 0.01 ? 4 : 3) : value.toFixed(2)}`;
const n = (value: number) => value.toLocaleString('en-US');

/** The Studies form's estimate (its "Estimate" button swaps this in). */
export function StudyEstimateBox(props: { estimate?: StudyEstimate; error?: string }) {
  const e = props.estimate;
  return (
    <div id="study-estimate" class="study-estimate" aria-live="polite">
      {props.error ? <ErrorBox message={props.error} /> : null}
      {e ? (
        <div class="panel">
          <p>
            <strong>{n(e.tasks)} tasks</strong>
            {e.dry_run_items !== null ? ` (a dry run on the first ${n(e.items)} items)` : ''} · about {n(e.input_tokens)} input and {n(e.output_tokens)} output tokens ·{' '}
            <strong>{e.cost_usd === null ? 'cost unknown' : `≈ ${usd(e.cost_usd)}`}</strong> · ≈ {e.duration_s < 120 ? `${e.duration_s} s` : `${Math.round(e.duration_s / 60)} min`} at concurrency {e.concurrency}
            {e.budget_usd !== null ? ` · cap ${usd(e.budget_usd)}` : ''}
          </p>
          {e.cost_reason ? <p class="muted">{e.cost_reason}</p> : null}
          <table>
            <thead>
              <tr><th>target</th><th>tasks</th><th>tokens in / out</th><th>output per task</th><th>cost</th><th>latency</th></tr>
            </thead>
            <tbody>
              {e.by_target.map((t) => (
                <tr>
                  <td>{t.provider}/{t.model}{t.sweep ? ` ${JSON.stringify(t.sweep)}` : ''}</td>
                  <td>{n(t.tasks)}</td>
                  <td>{n(t.input_tokens)} / {n(t.output_tokens)}</td>
                  <td>{t.output_tokens_per_task} <span class="muted">({t.basis === 'history' ? `mean of ${n(t.history_calls)} captured` : t.basis === 'max_tokens' ? 'max_tokens' : 'default'})</span></td>
                  <td>{t.cost_usd === null ? <span class="muted">no price</span> : usd(t.cost_usd)}</td>
                  <td>{Math.round(t.latency_ms)} ms <span class="muted">({t.latency_basis === 'history' ? 'captured' : 'assumed'})</span></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">Input tokens: {e.input_tokens_method}. Time: {e.duration_basis}.</p>
        </div>
      ) : null}
    </div>
  );
}

/** On the study page: a dry run says so; a capped study shows its spend against the cap. */
export function StudyRunLimits(props: { progress: Progress }) {
  const { id, dry_run: dryRun, budget, status, status_reason: reason } = props.progress;
  const capped = budget.budget_usd !== null;
  const atCap = status === 'interrupted' && reason === 'budget';
  return (
    <div class="run-limits">
      {dryRun ? <p><span class="badge">dry run</span> on the first {n(dryRun.items)} of {n(dryRun.of_items)} items</p> : null}
      {capped ? (
        <p>
          <progress max={budget.budget_usd!} value={Math.min(budget.spent_usd, budget.budget_usd!)} aria-label="spend against the cap"></progress> {formatUsd(budget.spent_usd)} spent of the{' '}
          {usd(budget.budget_usd!)} cap{budget.reserved_usd > 0 ? ` · ${formatUsd(budget.reserved_usd)} reserved for tasks in flight` : ''}
        </p>
      ) : null}
      {atCap ? (
        <form class="row" method="post" action={`/studies/${id}/budget`}>
          <span>Stopped at the cap: the next task could have passed it. Raise it to run on.</span>
          <label>
            New cap (USD)
            <input name="budget_usd" type="number" min="0" step="any" required value={String(budget.budget_usd ?? '')} />
          </label>
          <button type="submit">Raise cap and resume</button>
        </form>
      ) : null}
    </div>
  );
}

/** The Studies form's dry run and cap fields, and its "Estimate" button (the estimate shows below it). */
export function StudyBudgetFields(props: { values?: FormValues }) {
  const v = (key: string) => formValue(props.values, key, '');
  return (
    <div class="row">
      <label>
        Dry run on the first N items (optional)
        <input name="dry_run_items" type="number" min="1" placeholder="all items" value={v('dry_run_items')} />
      </label>
      <label>
        Spending cap, USD (optional: the study stops before a task could pass it)
        <input name="budget_usd" type="number" min="0" step="any" placeholder="no cap" value={v('budget_usd')} />
      </label>
      {/* An input, not a button: the form's `button[type=submit]` is its one "Start study". */}
      <input
        type="submit"
        name="intent"
        value="Estimate"
        class="button secondary"
        formnovalidate
        hx-post="/studies"
        hx-target="#study-estimate"
        hx-swap="outerHTML"
        hx-encoding="multipart/form-data"
        aria-label="Estimate tasks, tokens, cost and time"
      />
    </div>
  );
}
