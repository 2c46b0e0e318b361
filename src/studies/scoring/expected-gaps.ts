// Scorers that compare answers with an item's expected answer score nothing on an item without one.
// Before a scoring run, the study says which of its scorers need one and how many items lack it: all
// lacking is refused (the run would score nothing), some lacking is said beside the scoring form.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { AppError } from '../../errors';

/** Scorer types that pass or fail an answer against the item's expected answer(s). */
export const SCORERS_NEEDING_EXPECTED = new Set(['exact', 'normalized_exact', 'contains', 'numeric', 'semantic']);

export interface ExpectedGap {
  index: number;
  name: string;
  type: string;
  /** The study's items, and those of them with no expected answer. */
  items: number;
  without: number;
}

export async function expectedCounts(db: Database, studyId: number) {
  const rows = await db.all<{ items: number; without: number }>(sql`
    SELECT count(*) AS items, count(CASE WHEN expected_json IS NULL OR expected_json = 'null' THEN 1 END) AS without
      FROM batch_items WHERE batch_id = ${studyId}`);
  return rows[0] ?? { items: 0, without: 0 };
}

/** The scorers that need an expected answer where some of the study's items have none. */
export function expectedGaps(scorers: ReadonlyArray<{ name: string; config: { type?: unknown } }>, counts: { items: number; without: number }): ExpectedGap[] {
  if (counts.without === 0) return [];
  return scorers.flatMap((scorer, index) => {
    const type = scorer.config.type;
    return typeof type === 'string' && SCORERS_NEEDING_EXPECTED.has(type) ? [{ index, name: scorer.name, type, items: counts.items, without: counts.without }] : [];
  });
}

export function expectedGapMessage(gap: ExpectedGap) {
  const lacking = gap.without === gap.items ? `none of the study's ${gap.items} items has one` : `${gap.without} of the study's ${gap.items} items have none (their answers stay unscored)`;
  return `"${gap.name}" (${gap.type}) compares answers with expected answers, and ${lacking}`;
}

/** A scoring run in which a scorer could score nothing is refused, naming every such scorer. */
export function refuseScorersWithoutExpected(gaps: ExpectedGap[], field: string) {
  const hopeless = gaps.filter((gap) => gap.without === gap.items);
  if (hopeless.length === 0) return;
  throw new AppError(
    400,
    'invalid_request',
    `${field}.${hopeless[0]!.index}: ${hopeless.map(expectedGapMessage).join('; ')}: give the items expected answers (prompt<TAB>expected lines, an expected column), or use a scorer that needs none (regex, valid_json, json_schema, llm_judge)`,
    hopeless.map((gap) => ({ path: `${field}.${gap.index}`, message: `needs expected answers: ${gap.without} of ${gap.items} items have none` })),
  );
}
