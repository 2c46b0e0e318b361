// The scoring form's fields on a study's page: the scorer builder (its preview scores a few of the
// study's captured answers), the scorers field it writes, and which scorers lack expected answers.
import type { ProviderOption } from '../components/target-fields';
import { ScorerBuilder, ScorersField } from './scorer-builder';

export interface StudyScorerFieldsProps {
  studyId: number;
  scorersText: string;
  providers: ProviderOption[];
  /** Scorers that need an expected answer where some items have none, as sentences. */
  expectedGaps: string[];
}

export function StudyScorerFields(props: StudyScorerFieldsProps) {
  return (
    <>
      {props.expectedGaps.map((gap) => (
        <p class="error-box expected-gap" role="note">
          {gap}
        </p>
      ))}
      <details class="study-scorer-builder">
        <summary>Build a scorer (preview it on this study's answers)</summary>
        <ScorerBuilder providers={props.providers} previewUrl={`/studies/${props.studyId}/scorer-preview`} addUrl="/studies/scorers" withSample={false} />
      </details>
      <ScorersField text={props.scorersText} />
      <p class="muted">Running the scorers again adds a new version of each; no model is called again except an LLM judge.</p>
    </>
  );
}
