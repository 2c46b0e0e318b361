// A study's runs over time, each with its headline accuracy (the report's default scorer, an
// interval over items), and the newest run's headline for the studies list. Read from the scores
// table in one grouped query per page: no run's full report is computed here.
import type { Database } from '../../db/client';
import { notFound } from '../../errors';
import { getStudy } from '../repository';
import { wilsonInterval } from '../statistics/wilson';
import { latestRunsOf, runAccuracies, seriesOf, seriesRuns, type RunAccuracy } from './repository';

/** Runs listed at most (newest first). */
export const MAX_LISTED_RUNS = 100;

export interface HeadlineAccuracy {
  scorer: string;
  version: number;
  items: number;
  estimate: number | null;
  low: number | null;
  high: number | null;
}

/** Accuracy over items (each item's share of passing answers), with the Wilson interval over items. */
const headline = (accuracy: RunAccuracy | undefined): HeadlineAccuracy | null =>
  accuracy ? { scorer: accuracy.scorer, version: accuracy.version, items: accuracy.items, ...wilsonInterval(accuracy.passed, accuracy.items) } : null;

export async function studyRuns(db: Database, studyId: number) {
  const found = await getStudy(db, studyId);
  if (!found) throw notFound('study', studyId);
  const seriesId = seriesOf(found.study);
  const runs = await seriesRuns(db, seriesId, MAX_LISTED_RUNS);
  const accuracies = await runAccuracies(db, runs.map((run) => run.id));
  return {
    id: studyId,
    series_id: seriesId,
    runs: runs.map((run) => ({
      id: run.id,
      status: run.status,
      created_at: run.created_at,
      rerun_of: run.rerun_of,
      scheduled_for: run.scheduled_for,
      total: run.tasks_total,
      done: run.tasks_success,
      failed: run.tasks_failed,
      accuracy: headline(accuracies.get(run.id)),
    })),
  };
}

export type StudyRuns = Awaited<ReturnType<typeof studyRuns>>;

/** For each study: the newest run of its series and that run's headline accuracy (null until scored). */
export async function latestHeadlines(db: Database, studyIds: number[]) {
  const latest = await latestRunsOf(db, studyIds);
  const accuracies = await runAccuracies(db, [...new Set(latest.values())]);
  return new Map(studyIds.map((id) => {
    const run = latest.get(id) ?? id;
    return [id, { run, accuracy: headline(accuracies.get(run)) }] as const;
  }));
}
