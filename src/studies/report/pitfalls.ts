// Scorer pitfalls a report warns about: a scorer that passes the prompt itself. When a `contains`
// scorer's expected answer is written in the question ("Is Paris the capital of France?" → "Paris"),
// a model that only repeats the question — the echo provider, for one — passes every item.
import { parseScorerConfig, isDeterministicScorer, scoreAndCompare } from '../scorers/scorers';

/** Items whose prompt is tried against each scorer: evenly spread over the study. */
export const PITFALL_ITEMS_CHECKED = 200;
/** The start of a prompt that is tried: enough for any question, bounded for a huge one. */
export const PITFALL_PROMPT_CHARS = 20_000;
const CHECKED_KINDS = new Set(['contains', 'regex', 'numeric', 'exact', 'normalized_exact']);

export interface ScorerWarning {
  code: 'prompt_passes_scorer';
  scorer: string;
  version: number;
  kind: string;
  /** Items whose prompt could be scored (an expected answer to compare with). */
  items_checked: number;
  /** Of those, items whose prompt as sent, given back as the answer, passes. */
  items_passing: number;
  share: number;
  message: string;
}

export interface ScorerToCheck {
  name: string;
  version: number;
  kind: string;
  config: unknown;
}

/** Evenly spread positions of at most `most` of `count` items. */
export function spreadSample(count: number, most = PITFALL_ITEMS_CHECKED): number[] {
  if (count <= most) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: most }, (_, i) => Math.floor((i * count) / most));
}

/**
 * A warning for each text scorer that passes the prompt as sent — taken as the answer — on more
 * than half of the items it could score: it cannot tell an answer from an echo of the question.
 */
export function promptPassWarnings(scorers: readonly ScorerToCheck[], items: ReadonlyArray<{ prompt: string; expected: unknown }>): ScorerWarning[] {
  const warnings: ScorerWarning[] = [];
  for (const scorer of scorers) {
    if (!CHECKED_KINDS.has(scorer.kind)) continue;
    let config: ReturnType<typeof parseScorerConfig>;
    try {
      config = parseScorerConfig(scorer.config);
    } catch {
      continue;
    }
    if (!isDeterministicScorer(config)) continue;
    let checked = 0;
    let passing = 0;
    for (const item of items) {
      const { pass } = scoreAndCompare(config, item.prompt.slice(0, PITFALL_PROMPT_CHARS), item.expected).result;
      if (pass === null) continue;
      checked++;
      if (pass) passing++;
    }
    if (checked === 0 || passing * 2 <= checked) continue;
    const share = passing / checked;
    warnings.push({
      code: 'prompt_passes_scorer',
      scorer: scorer.name,
      version: scorer.version,
      kind: scorer.kind,
      items_checked: checked,
      items_passing: passing,
      share,
      message: messageFor(scorer, passing, checked, share),
    });
  }
  return warnings;
}

function messageFor(scorer: ScorerToCheck, passing: number, checked: number, share: number): string {
  const ratio = `${passing} of ${checked} items checked (${Math.round(share * 100)}%)`;
  const why =
    scorer.kind === 'regex'
      ? 'its pattern matches the prompt as sent'
      : scorer.kind === 'numeric'
        ? 'the first number of the prompt as sent is the expected answer'
        : 'the expected answer occurs verbatim in the prompt as sent';
  return (
    `Scorer "${scorer.name}" (${scorer.kind}) passes the question itself on ${ratio}: ${why}, so an answer that only ` +
    'repeats the question — the echo provider\'s, for one — passes too, and its accuracy says little. Compare an extracted ' +
    'part of the answer (extract), an exact or normalized_exact match, or reword the prompts.'
  );
}
