// The answer to "which target answers better, how consistently, and is the difference real?": a
// per-target table with intervals, an accuracy chart with error bars, paired comparisons and slices.
import type { StudyReport } from '../../src/studies/report/report-items';
import { formatMs, formatUsd } from '../components/ui';
import { HUMAN_ADJUSTED_TITLE, HumanAdjustedCell } from './review/human-adjusted';

type Body = StudyReport['body'];
type Target = Body['targets'][number];
type Interval = { estimate: number | null; low: number | null; high: number | null };

import { pct } from './format';

export { pct };
const num = (n: number) => n.toLocaleString('en-US');

function IntervalText(props: { interval: Interval }) {
  const { estimate, low, high } = props.interval;
  if (estimate === null) return <span class="muted">—</span>;
  return (
    <span class="nowrap">
      <strong>{pct(estimate)}</strong> <span class="muted interval">[{pct(low)}–{pct(high)}]</span>
    </span>
  );
}

export function TargetSummaryTable(props: { body: Body }) {
  const scored = props.body.scorer !== null;
  return (
    <table class="summary-table">
      <thead>
        <tr>
          <th>target</th>
          {scored ? (
            <th title="passes / scored samples over the items, with the 95% interval over items (clustered: samples of one item are not independent); below it the items it covers and the sample-level Wilson interval, too narrow, for contrast">
              accuracy (over items)
            </th>
          ) : null}
          {scored ? <th title={HUMAN_ADJUSTED_TITLE}>human-adjusted accuracy</th> : null}
          {scored ? <th title="mean credit of the items' majority votes (ties split evenly), Wilson 95% interval over items">majority vote</th> : null}
          <th title="mean share of the most frequent answer per item; below it the mean entropy of the answers in bits (0: all agree)">self-consistency · entropy</th>
          <th>answered / tasks · failure rate</th>
          <th>latency p50 / p95</th>
          <th>tokens in / out · cost at capture</th>
          <th title="human labels, and how often they agree with the scorer">human labels</th>
        </tr>
      </thead>
      <tbody>
        {props.body.targets.map((t: Target) => (
          <tr>
            <td>{t.label}</td>
            {scored ? (
              <td>
                <IntervalText interval={t.accuracy} /> <span class="muted">{t.passes}/{t.scored}</span>
                <div class="accuracy-items" title="the items the interval rests on (of the study's items)">
                  over <strong>{t.accuracy.items}</strong>/{t.coverage.items} items{t.accuracy.cluster_by ? ` in ${t.accuracy.clusters} clusters (${t.accuracy.cluster_by})` : ''}
                </div>
                <div class="muted sample-wilson" title="passes / scored samples with the Wilson interval as if every sample were independent: too narrow, shown for contrast only">
                  sample-level Wilson [{pct(t.accuracy_samples_wilson.low)}–{pct(t.accuracy_samples_wilson.high)}] over {num(t.accuracy_samples_wilson.samples)} samples
                </div>
              </td>
            ) : null}
            {scored ? <HumanAdjustedCell target={t} /> : null}
            {scored ? <td><IntervalText interval={t.majority} /> <span class="muted">{credit(t.majority.credit)}/{t.majority.items}</span></td> : null}
            <td>
              {pct(t.self_consistency)}
              <div class="muted">{t.mean_entropy_bits == null ? '—' : `${t.mean_entropy_bits.toFixed(2)} bits`}</div>
            </td>
            <td class="nowrap">
              {num(t.success)}/{num(t.tasks)}
              {t.pending ? <span class="muted"> · {num(t.pending)} pending</span> : null}
              <div class={t.failed ? 'bad' : 'muted'}>
                {pct(t.failure_rate)} failed{t.failed ? ` (${num(t.failed)})` : ''}
              </div>
            </td>
            <td class="nowrap">{formatMs(t.latency_p50_ms)} / {formatMs(t.latency_p95_ms)}</td>
            <td class="nowrap">
              {num(t.prompt_tokens)} / {num(t.completion_tokens)}
              <div class="muted">{t.priced_calls ? formatUsd(t.cost_usd) : 'unpriced'}</div>
            </td>
            <td class="nowrap">
              {t.human.labelled ? `${t.human.labelled}` : '—'}
              {t.human.compared ? <span class={t.human.agree < t.human.compared ? 'bad' : 'muted'}> · agree {t.human.agree}/{t.human.compared}</span> : null}
              {t.human.kappa.kappa !== null ? <div class="muted" title="Cohen's κ of the labels against the scorer, 95% interval">κ {t.human.kappa.kappa.toFixed(2)}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Accuracy per target with its interval as error bars (drawn by public/charts.js). */
export function AccuracyChart(props: { body: Body; id: string }) {
  const { targets } = props.body;
  if (props.body.scorer === null || targets.every((t) => t.accuracy.estimate === null)) return null;
  const series = (pick: (t: Target) => Interval) => ({
    data: targets.map((t) => (pick(t).estimate === null ? null : round(pick(t).estimate! * 100))),
    errors: targets.map((t) => (pick(t).estimate === null ? null : [round(pick(t).low! * 100), round(pick(t).high! * 100)])),
  });
  const spec = {
    type: 'bar',
    labels: targets.map((t) => t.label),
    datasets: [
      { label: 'accuracy over items (%)', ...series((t) => t.accuracy) },
      { label: 'majority-vote accuracy (%)', ...series((t) => t.majority) },
    ],
    y: 'accuracy (%) with 95% interval',
    yMax: 100,
  };
  return (
    <div class="chart chart-small">
      <canvas id={props.id} aria-label="accuracy per target with 95% intervals" role="img"></canvas>
      <script type="application/json" data-chart-for={props.id} dangerouslySetInnerHTML={{ __html: chartJson(spec) }}></script>
    </div>
  );
}

const round = (x: number) => Math.round(x * 100) / 100;
/** JSON for a data block that never runs; `<`, `>` and `&` escaped so no text can end it (labels are user text). */
const chartJson = (spec: unknown) => JSON.stringify(spec).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/** Pairs shown on the page: the primary one and those with the smallest adjusted p-values (every pair is in the JSON report). */
export const SHOWN_PAIRS = 50;

export function PairsTable(props: { body: Body; disagreeHref: string }) {
  const { pairs, targets, scorer, comparisons } = props.body;
  if (pairs.length === 0) return null;
  const label = (i: number) => targets[i]!.label;
  const order = (p: Body['pairs'][number]) => (p.primary ? -1 : (p.accuracy_difference.p_adjusted ?? 2));
  const shown = pairs.length > SHOWN_PAIRS ? [...pairs].sort((x, y) => order(x) - order(y)).slice(0, SHOWN_PAIRS) : pairs;
  return (
    <>
      {scorer ? <p class="muted">{comparisons.note}.{pairs.length > shown.length ? ` The ${shown.length} pairs with the smallest adjusted p-values of ${pairs.length}; every pair is in the JSON report.` : ''}</p> : null}
      <table class="pairs-table">
        <thead>
          <tr>
            <th>A vs B</th>
            <th title="items both answered">items</th>
            <th title="share of items where both give the same most frequent answer">same answer</th>
            {scorer ? <th title="mean per-item accuracy, A − B, over the items both scored, paired t 95% interval">accuracy A − B</th> : null}
            {scorer ? (
              <th title="paired t p-value, and adjusted for the number of pairs compared (the primary contrast is not adjusted); significance is coloured by the adjusted value">
                p · p_adjusted ({comparisons.adjust === 'bh' ? 'Benjamini–Hochberg' : 'Holm'})
              </th>
            ) : null}
            {scorer ? <th title="majority vote right for both / only A / only B / neither, and the exact McNemar test on them">votes: both · only A · only B · neither (McNemar p)</th> : null}
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr>
              <td>
                {label(p.a)} <span class="muted">vs</span> {label(p.b)}
                {p.primary ? <span class="badge" title="the study's primary contrast: reported unadjusted, outside the family">primary</span> : null}
              </td>
              <td>{p.items}</td>
              <td>{pct(p.answer_agreement)}</td>
              {scorer ? (
                <td class="nowrap">
                  {p.accuracy_difference.difference === null ? (
                    '—'
                  ) : (
                    <>
                      <strong>{signed(p.accuracy_difference.difference)}</strong>{' '}
                      {p.accuracy_difference.low !== null ? (
                        <span class="muted">
                          [{signed(p.accuracy_difference.low)}, {signed(p.accuracy_difference.high!)}]
                        </span>
                      ) : null}
                      <div class="muted" title="items both scored · smallest difference detectable at 80% power">
                        {p.accuracy_difference.items} items{p.accuracy_difference.mde !== null ? ` · mde ±${(p.accuracy_difference.mde * 100).toFixed(1)} pts` : ''}
                        {p.accuracy_difference.items_needed !== null ? ` · ${num(p.accuracy_difference.items_needed)} items for ±${(comparisons.effect * 100).toFixed(0)} pts` : ''}
                      </div>
                    </>
                  )}
                </td>
              ) : null}
              {scorer ? (
                <td class="nowrap">
                  {p.primary ? (
                    <>
                      <strong class={`p-unadjusted ${p.accuracy_difference.p_value !== null && p.accuracy_difference.p_value < 0.05 ? 'good' : ''}`}>{pValue(p.accuracy_difference.p_value)}</strong>{' '}
                      <span class="badge" title="the declared primary contrast is tested alone: its p-value is not adjusted">unadjusted (primary)</span>
                    </>
                  ) : (
                    <>
                      {pValue(p.accuracy_difference.p_value)} ·{' '}
                      <strong class={`p-adjusted ${p.accuracy_difference.p_adjusted !== null && p.accuracy_difference.p_adjusted < 0.05 ? 'good' : ''}`}>{pValue(p.accuracy_difference.p_adjusted)}</strong>
                    </>
                  )}
                </td>
              ) : null}
              {scorer ? (
                <td class="nowrap">
                  {p.majority_vote_mcnemar.both_correct} · {p.majority_vote_mcnemar.only_a} · {p.majority_vote_mcnemar.only_b} · {p.majority_vote_mcnemar.neither}{' '}
                  <span class="muted">({pValue(p.majority_vote_mcnemar.p_value)})</span>
                  {p.disagreeing_count ? (
                    <>
                      {' '}
                      <a href={props.disagreeHref} title={`majority votes differ in correctness on: ${p.disagreeing_keys.join(', ')}${p.disagreeing_count > p.disagreeing_keys.length ? ', …' : ''}`}>
                        {p.disagreeing_count} disagree
                      </a>
                    </>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const pValue = (p: number | null) => (p === null ? '—' : p < 0.0001 ? p.toExponential(1) : p.toFixed(4));
const credit = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pts`;

export function SlicesBlock(props: { body: Body; sliceHref: (field: string, value: string) => string }) {
  const { slices, targets, scorer } = props.body;
  if (slices.length === 0) return null;
  return (
    <details class="slices">
      <summary>Slices by item field ({slices.map((s) => s.field).join(', ')})</summary>
      {slices.map((slice) => (
        <table class="slice-table">
          <thead>
            <tr>
              <th>{slice.field}</th>
              <th>items</th>
              {targets.map((t) => <th>{t.label}</th>)}
            </tr>
          </thead>
          <tbody>
            {slice.values.map((v) => (
              <tr>
                <td><a href={props.sliceHref(slice.field, v.value)}>{v.value}</a></td>
                <td>{v.items}</td>
                {v.targets.map((t) => (
                  <td>{scorer ? <IntervalText interval={t.accuracy} /> : <span title="self-consistency">{pct(t.self_consistency)}</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </details>
  );
}
