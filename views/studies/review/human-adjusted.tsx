// The human-adjusted accuracy of a target beside the automatic one: human labels overrule the scorer
// where present, with the same interval over items.
import type { StudyReport } from '../../../src/studies/report/report-items';
import { pct } from '../format';

type Target = StudyReport['body']['targets'][number];

export const HUMAN_ADJUSTED_TITLE =
  'accuracy over items where each human label overrules the scorer on the call it labels (the other calls keep the scorer\'s verdict), with the same 95% interval over items';

export function HumanAdjustedCell(props: { target: Target }) {
  const adjusted = props.target.accuracy_human_adjusted;
  if (!adjusted || adjusted.labels === 0) return <td class="human-adjusted muted" title="no human label yet: the same as accuracy">—</td>;
  return (
    <td class="human-adjusted">
      <span class="nowrap">
        <strong>{pct(adjusted.estimate)}</strong> <span class="muted interval">[{pct(adjusted.low)}–{pct(adjusted.high)}]</span>
      </span>{' '}
      <span class="muted">
        {adjusted.passed}/{adjusted.samples}
      </span>
      <div class="muted">
        over {adjusted.items} items · {adjusted.labels} label{adjusted.labels === 1 ? '' : 's'}
        {adjusted.overruled ? `, ${adjusted.overruled} overruling the scorer` : ''}
        {adjusted.added ? `, ${adjusted.added} on unscored answers` : ''}
      </div>
    </td>
  );
}
