// One study: live progress, scoring, the per-target summary with intervals and chart, paired
// comparisons, slices and the item × target matrix, with each cell's samples one click away.
import type { studyProgress } from '../../src/studies/service';
import type { ScoringProgress } from '../../src/studies/scoring/service';
import type { StudyReport } from '../../src/studies/report/report-items';
import { Pager, StudyMatrix } from './study-matrix';
import { AccuracyChart, PairsTable, SlicesBlock, TargetSummaryTable } from './study-summary';
import { ErrorBox, StatusBadge } from '../components/ui';
import { ReportDownloads } from './files/report-downloads';
import { HowToRead } from './how-to-read';
import { CellKeysNote, CellSidePanel } from './review/cell-side-panel';
import { StudyScorerFields } from './study-scorer-fields';
import { SCORER_BUILDER_HEAD } from './scorer-builder';
import type { ProviderOption } from '../components/target-fields';
import { CompareForm } from './runs/drift';
import { Layout } from '../layout';
import { StudyRunLimits } from './runs/budget';
import type { StudyRuns } from '../../src/studies/series/runs';
import { StudyRunsPanel } from './runs/series';

export type Progress = Awaited<ReturnType<typeof studyProgress>>;
type Body = StudyReport['body'];

/** What the page was asked for: a scorer version, filters and a page of items. */
export interface StudyQuery {
  scorer?: string;
  version?: number;
  disagree?: boolean;
  field?: string;
  value?: string;
  offset: number;
}

export function studyHref(id: number, query: StudyQuery, path = '') {
  const params = new URLSearchParams();
  if (query.scorer) params.set('scorer', query.scorer);
  if (query.version !== undefined) params.set('version', String(query.version));
  if (query.disagree) params.set('disagree', '1');
  if (query.field) params.set('field', query.field);
  if (query.field && query.value !== undefined) params.set('value', query.value);
  if (query.offset) params.set('offset', String(query.offset));
  const search = params.toString();
  return `/studies/${id}${path}${search ? `?${search}` : ''}`;
}

export interface StudyPageProps {
  progress: Progress;
  body: Body;
  query: StudyQuery;
  scoring: { runs: ScoringProgress[]; scorersText: string; providers?: ProviderOption[]; expectedGaps?: string[] };
  runs?: StudyRuns;
}

const CHART_HEAD = [<script src="/static/chart.umd.js" defer></script>, <script src="/static/charts.js" defer></script>, <script src="/static/labels.js" defer></script>, SCORER_BUILDER_HEAD];

export function StudyPage(props: StudyPageProps) {
  const p = props.progress;
  return (
    <Layout title={`Study ${p.id}`} head={CHART_HEAD}>
      <h1>{p.name}</h1>
      <p class="muted">
        {p.targets.length} target(s) · {p.samples} sample(s) per item and target · concurrency {p.concurrency} · <a href={`/calls?group_id=${p.id}`}>all calls</a> ·{' '}
        <a href={`/api/v1/studies/${p.id}/report`}>report JSON</a> · export scored results: <a href={`/api/v1/studies/${p.id}/export?format=csv`}>CSV</a> ·{' '}
        <a href={`/api/v1/studies/${p.id}/export?format=jsonl`}>JSONL</a> · <ReportDownloads id={p.id} /> ·{' '}
        <a href={`/studies/${p.id}/clone`}>Clone and change</a>
      </p>
      <CompareForm id={p.id} />
      <StudyLive progress={p} query={props.query} />
      <ScoringPanel id={p.id} runs={props.scoring.runs} scorersText={props.scoring.scorersText} providers={props.scoring.providers} expectedGaps={props.scoring.expectedGaps} />
      <StudyResults id={p.id} body={props.body} query={props.query} running={p.status === 'running'} />
      <CellSidePanel />
      {props.runs ? <StudyRunsPanel study={p.id} runs={props.runs} schedule={p.schedule} /> : null}
    </Layout>
  );
}

/**
 * Progress; re-polled every second while the study runs, static once it stops. The poll that sees it
 * stop brings in the final results (with the page's filters).
 */
export function StudyLive(props: { progress: Progress; query?: StudyQuery; justFinished?: boolean }) {
  const p = props.progress;
  const running = p.status === 'running';
  const query = props.query ?? { offset: 0 };
  const live = studyHref(p.id, query, '/live');
  const poll = running ? { 'hx-get': `${live}${live.includes('?') ? '&' : '?'}watch=1`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' } : {};
  return (
    <section id="study-live" {...poll}>
      {props.justFinished && !running ? <div hx-get={studyHref(p.id, query, '/results')} hx-trigger="load" hx-target="#study-results" hx-swap="outerHTML"></div> : null}
      <div class="progress-line">
        <StatusBadge status={p.status} />
        <progress max={100} value={p.percent} aria-label="study progress"></progress>
        <strong class="percent">{p.percent}%</strong>
        <span>
          {p.done} done · {p.failed} failed · {p.running} running · {p.pending} pending of {p.total}
          {p.rate_per_s != null ? ` · ${p.rate_per_s}/s` : ''}
          {p.eta_s != null && running ? ` · ETA ${p.eta_s}s` : ''}
        </span>
        {running ? (
          <button type="button" hx-post={`/studies/${p.id}/cancel`} hx-target="#study-live" hx-swap="outerHTML">Cancel</button>
        ) : p.done < p.total ? (
          <button type="button" hx-post={`/studies/${p.id}/resume`} hx-target="#study-live" hx-swap="outerHTML">Resume</button>
        ) : null}
      </div>
      {p.status_reason ? <p class="muted">{p.status_reason}</p> : null}
      <StudyRunLimits progress={p} />
    </section>
  );
}

export function ScoringPanel(props: { id: number; runs: ScoringProgress[]; scorersText: string; providers?: ProviderOption[]; expectedGaps?: string[]; error?: string }) {
  return (
    <details class="panel scoring" open={props.runs.length === 0 || props.runs[0]!.status === 'running'} id="scoring">
      <summary>Scoring</summary>
      <form method="post" action={`/studies/${props.id}/score`} hx-post={`/studies/${props.id}/score`} hx-target="#scoring-run" hx-swap="innerHTML">
        <StudyScorerFields studyId={props.id} scorersText={props.scorersText} providers={props.providers ?? []} expectedGaps={props.expectedGaps ?? []} />
        <button type="submit">Run scorers</button>
      </form>
      <div id="scoring-run">
        {props.error ? <ErrorBox message={props.error} /> : props.runs[0] ? <ScoringRunView run={props.runs[0]} /> : null}
      </div>
    </details>
  );
}

/** One scoring run's progress; polls while it runs, and brings in the new results when it ends. */
export function ScoringRunView(props: { run: ScoringProgress; justFinished?: boolean }) {
  const run = props.run;
  const running = run.status === 'running';
  const poll = running ? { 'hx-get': `/studies/${run.study_id}/scoring/${run.id}?watch=1`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' } : {};
  return (
    <div class="scoring-run" {...poll}>
      <StatusBadge status={run.status} /> <progress max={100} value={run.percent} aria-label="scoring progress"></progress> <strong class="scoring-percent">{run.percent}%</strong>{' '}
      <span>
        {run.done}/{run.total} scored · {run.unscored} without a score{run.judge_calls ? ` · ${run.judge_calls} judge calls` : ''} ·{' '}
        {run.scorers.map((s) => `${s.name} v${s.version}`).join(', ')}
      </span>
      {run.error ? <ErrorBox message={run.error} /> : null}
      {props.justFinished && run.status === 'completed' ? (
        <div hx-get={`/studies/${run.study_id}/results`} hx-trigger="load" hx-target="#study-results" hx-swap="outerHTML"></div>
      ) : null}
    </div>
  );
}

/**
 * The results. While the study runs they come with each progress poll (out of band, from the same
 * request), so the matrix counts and the progress line agree; `oob` marks that copy.
 */
export function StudyResults(props: { id: number; body: Body; query: StudyQuery; running: boolean; oob?: boolean }) {
  const { body, query, id } = props;
  const poll = props.oob ? { 'hx-swap-oob': 'true' } : {};
  const scorerValue = body.scorer ? `${body.scorer.name}@${body.scorer.version}` : '';
  return (
    <section id="study-results" {...poll}>
      <form class="panel filters" method="get" action={`/studies/${id}`}>
        <label>
          Scorer
          <select name="scorer_version">
            {body.scorers.length === 0 ? <option value="">none yet: raw answers</option> : null}
            {body.scorers.flatMap((s) =>
              s.versions.map((v) => (
                <option value={`${s.name}@${v.version}`} selected={`${s.name}@${v.version}` === scorerValue}>
                  {s.name} v{v.version} ({s.kind}){v.version === s.latest_version ? ' · latest' : ''}
                </option>
              )),
            )}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="disagree" value="1" checked={query.disagree === true} /> only items where targets disagree
        </label>
        {body.fields.length ? (
          <label>
            Slice
            <select name="slice">
              <option value="">all items</option>
              {body.slices.flatMap((s) =>
                s.values.map((v) => (
                  <option value={`${s.field}=${v.value}`} selected={query.field === s.field && query.value === v.value}>
                    {s.field} = {v.value} ({v.items})
                  </option>
                )),
              )}
            </select>
          </label>
        ) : null}
        <button type="submit">Show</button>
        {body.scorer ? (
          <span class="muted">
            scored by <strong>{body.scorer.name}</strong> v{body.scorer.version} ({body.scorer.kind}, config {body.scorer.config_hash.slice(0, 8)})
            {body.scorer.judge_group_id ? (
              <>
                {' '}
                · <a href={`/groups/${body.scorer.judge_group_id}`}>judge calls</a>
              </>
            ) : null}
          </span>
        ) : (
          <span class="muted">No scorer has run: answers are compared as given.</span>
        )}
      </form>
      {body.warnings.map((w) => (
        <p class="error-box scorer-warning" role="note">
          {w.message}
        </p>
      ))}
      <h2>Targets</h2>
      <HowToRead adjust={body.comparisons.adjust} clusterBy={body.cluster_by} />
      <div class="table-scroll">
        <TargetSummaryTable body={body} />
      </div>
      <AccuracyChart body={body} id={`accuracy-${id}`} />
      {body.pairs.length ? <h2>Paired comparisons</h2> : null}
      <PairsTable body={body} disagreeHref={studyHref(id, { ...query, disagree: true, offset: 0 })} />
      <SlicesBlock body={body} sliceHref={(field, value) => studyHref(id, { ...query, field, value, offset: 0 })} />
      <h2>Items × targets</h2>
      <CellKeysNote studyId={id} />
      <Pager total={body.items.total} offset={body.items.offset} limit={body.items.limit} href={(offset) => studyHref(id, { ...query, offset })} />
      <StudyMatrix body={body} cellHref={(itemId, target) => studyHref(id, { scorer: query.scorer, version: query.version, offset: 0 }, `/cells/${itemId}/${target}`)} />
      <Pager total={body.items.total} offset={body.items.offset} limit={body.items.limit} href={(offset) => studyHref(id, { ...query, offset })} />
    </section>
  );
}
