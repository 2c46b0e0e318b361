// Accuracy per target as an SVG bar chart with the item-clustered 95% intervals as error bars: a file
// of its own (/studies/:id/chart.svg) and inline in the HTML report. Styled by attributes, no CSS or
// script, so it renders the same anywhere; every text is escaped by JSX.
import type { StudyReport } from '../../../src/studies/report/report-items';
import { figure, interval } from '../../../src/studies/report/report-figures';

type Target = StudyReport['body']['targets'][number];

/** The plot's height in px: a bar of accuracy a is a · PLOT_HEIGHT tall. */
export const PLOT_HEIGHT = 200;
const SLOT = 72;
const BAR = 40;
const LEFT = 56;
const TOP = 24;
const LABELS = 130;
const LABEL_CHARS = 32;
/** An 11px sans-serif character's width, about; and the labels' slant (35°). */
const CHAR_WIDTH = 6.5;
const SLANT = (35 * Math.PI) / 180;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

const px = (x: number) => Math.round(x * 100) / 100;
const yOf = (rate: number) => px(TOP + PLOT_HEIGHT * (1 - rate));
const shortLabel = (label: string) => (label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label);

export function AccuracyChartSvg(props: { targets: Target[]; title: string }) {
  // Labels slant down to the right: the last one's run past its slot widens the chart.
  const longest = Math.max(0, ...props.targets.map((t) => shortLabel(t.label).length));
  const width = Math.ceil(LEFT + Math.max(1, props.targets.length) * SLOT + Math.max(16, longest * CHAR_WIDTH * Math.cos(SLANT) - SLOT / 2));
  const height = TOP + PLOT_HEIGHT + LABELS;
  const bottom = TOP + PLOT_HEIGHT;
  return (
    <svg xmlns="http://www.w3.org/2000/svg" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title} font-family="sans-serif" font-size="11">
      <title>{props.title}</title>
      <rect x="0" y="0" width={width} height={height} fill="#ffffff"></rect>
      {TICKS.map((tick) => (
        <g class="tick">
          <line x1={LEFT} x2={width - 8} y1={yOf(tick)} y2={yOf(tick)} stroke={tick === 0 ? '#333333' : '#dddddd'} stroke-width="1"></line>
          <text x={LEFT - 6} y={yOf(tick) + 4} text-anchor="end" fill="#333333">
            {String(tick)}
          </text>
        </g>
      ))}
      <line x1={LEFT} x2={LEFT} y1={TOP} y2={bottom} stroke="#333333" stroke-width="1"></line>
      <text x="12" y={TOP + PLOT_HEIGHT / 2} text-anchor="middle" transform={`rotate(-90 12 ${TOP + PLOT_HEIGHT / 2})`} fill="#333333">
        accuracy over items, 95% CI
      </text>
      {props.targets.map((t, i) => {
        const center = LEFT + i * SLOT + SLOT / 2;
        const a = t.accuracy;
        const summary = a.estimate === null ? `${t.label}: no scored answers` : `${t.label}: ${figure(a.estimate)} ${interval(a.low, a.high)} over ${a.items} items`;
        return (
          <g class="target" data-target-index={t.index}>
            <title>{summary}</title>
            {a.estimate === null ? (
              <text x={center} y={bottom - 4} text-anchor="middle" fill="#888888">
                n/a
              </text>
            ) : (
              <rect class="bar" x={px(center - BAR / 2)} y={yOf(a.estimate)} width={BAR} height={px(a.estimate * PLOT_HEIGHT)} fill="#4a72b0"></rect>
            )}
            {a.low !== null && a.high !== null ? (
              <g class="error-bar" stroke="#111111" stroke-width="1.5">
                <line x1={center} x2={center} y1={yOf(a.high)} y2={yOf(a.low)}></line>
                <line x1={center - 8} x2={center + 8} y1={yOf(a.high)} y2={yOf(a.high)}></line>
                <line x1={center - 8} x2={center + 8} y1={yOf(a.low)} y2={yOf(a.low)}></line>
              </g>
            ) : null}
            <text class="label" x={center - 4} y={bottom + 14} text-anchor="start" transform={`rotate(35 ${center - 4} ${bottom + 14})`} fill="#111111">
              {shortLabel(t.label)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The chart as a standalone .svg file. */
export async function accuracyChartSvgFile(props: { targets: Target[]; title: string }): Promise<string> {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${await (<AccuracyChartSvg {...props} />).toString()}\n`;
}
