// A study's runs over time, each with its headline accuracy (the report's default scorer, an
// interval over items), and the newest run's headline for the studies list. Read from the scores
// index a range of items per statement (no run's full report is computed here), and kept while
// the run's fingerprint (tasks done, newest score) is unchanged, so a list reloaded costs a few reads.
import type { Database } from '../../db/client';
import { notFound } from '../../errors';
import { getStudy } from '../repository';
import { itemIdRange, studyFingerprint } from '../report/repository';
import { itemAccuracy, type ItemAccuracy, type ItemTally } from '../statistics/accuracy';
import { headlineScorer, latestRunsOf, passTalliesBetween, seriesOf, seriesRuns } from './repository';
import { nextTurn } from '../../concurrency/time-slice';

/** Runs listed at most (newest first). */
export const MAX_LISTED_RUNS = 100;
/** Scores read per statement: each stays a few milliseconds long. */
const SCORES_PER_STEP = 20_000;
const MEMO_ENTRIES = 500;

export interface HeadlineAccuracy {
  scorer: string;
  version: number;
  items: number;
  estimate: number | null;
  low: number | null;
  high: number | null;
  method: ItemAccuracy['method'];
}

const memo = new WeakMap<Database, Map<number, { fingerprint: string; accuracy: HeadlineAccuracy | null }>>();

/** Accuracy as the report computes it (passing / scored answers, its interval over items, clustered by item), pooled over the run's targets; null until scored. */
export async function headlineAccuracy(db: Database, runId: number): Promise<HeadlineAccuracy | null> {
  const fingerprint = (await studyFingerprint(db, runId)) ?? '';
  let entries = memo.get(db);
  if (!entries) memo.set(db, (entries = new Map()));
  const kept = entries.get(runId);
  if (kept?.fingerprint === fingerprint) return kept.accuracy;
  const accuracy = await computeAccuracy(db, runId);
  entries.delete(runId);
  entries.set(runId, { fingerprint, accuracy });
  if (entries.size > MEMO_ENTRIES) entries.delete(entries.keys().next().value!);
  return accuracy;
}

async function computeAccuracy(db: Database, runId: number): Promise<HeadlineAccuracy | null> {
  const scorer = await headlineScorer(db, runId);
  const found = scorer && (await getStudy(db, runId));
  if (!scorer || !found) return null;
  const range = await itemIdRange(db, runId);
  const perItem = Math.max(1, found.study.targetsJson.length * found.study.samples);
  const step = Math.max(1, Math.floor(SCORES_PER_STEP / perItem));
  const tallies: ItemTally[] = [];
  for (let from = range.low ?? 1; range.high !== null && from <= range.high; from += step) {
    for (const item of await passTalliesBetween(db, runId, scorer, from, Math.min(range.high, from + step - 1))) tallies.push({ passed: Number(item.passed), samples: Number(item.samples) });
    await nextTurn();
  }
  if (tallies.length === 0) return null;
  const accuracy = itemAccuracy(tallies);
  return { ...scorer, items: accuracy.items, estimate: accuracy.estimate, low: accuracy.low, high: accuracy.high, method: accuracy.method };
}

export async function studyRuns(db: Database, studyId: number) {
  const found = await getStudy(db, studyId);
  if (!found) throw notFound('study', studyId);
  const seriesId = seriesOf(found.study);
  const runs = await seriesRuns(db, seriesId, MAX_LISTED_RUNS);
  const listed = [];
  for (const run of runs) {
    listed.push({
      id: run.id,
      status: run.status,
      created_at: run.created_at,
      rerun_of: run.rerun_of,
      scheduled_for: run.scheduled_for,
      total: run.tasks_total,
      done: run.tasks_success,
      failed: run.tasks_failed,
      accuracy: await headlineAccuracy(db, run.id),
    });
  }
  return { id: studyId, series_id: seriesId, runs: listed };
}

export type StudyRuns = Awaited<ReturnType<typeof studyRuns>>;

/** For each study: the newest run of its series and that run's headline accuracy (null until scored). */
export async function latestHeadlines(db: Database, studyIds: number[]) {
  const latest = await latestRunsOf(db, studyIds);
  const headlines = new Map<number, { run: number; accuracy: HeadlineAccuracy | null }>();
  for (const id of studyIds) {
    const run = latest.get(id) ?? id;
    headlines.set(id, { run, accuracy: await headlineAccuracy(db, run) });
  }
  return headlines;
}
