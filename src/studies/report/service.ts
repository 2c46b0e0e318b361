// A study's report: which target answers better, how consistently, and whether the difference is
// real. SQL aggregates per item × target × answer and per target, a range at a time (time-sliced);
// the statistics over those rows are computed in study/report.ts. The whole-study part is kept per
// database until a task finishes or a score is added, so polling a finished study costs one row read.
import { getStudy } from '../repository';
import type { Database } from '../../db/client';
import { listScorerVersions, type ScorerVersionRow } from '../scoring/repository';
import type { StudyTarget } from '../../db/schema';
import {
  humanLabelsByCell,
  itemIdRange,
  itemsMeta,
  kthLatency,
  rawCellAnswers,
  scoredCellAnswers,
  studyFingerprint,
  targetTaskStats,
  type CellAnswerRow,
} from './repository';
import { timeSlicer, type Slicer } from '../../concurrency/time-slice';
import { AppError, notFound } from '../../errors';
import { buildCells, cellKey, comparePair, disagreeingItems, pairsToCompare, sliceByFields, summariseTargets, type CellStats, type HumanAgreement, type PairComparison, type Slice, type TargetSummary, type TargetTasks } from './cells';
import { targetLabels } from '../sweeps';

/** Tasks aggregated per SQL statement: each statement stays a few milliseconds long. */
const TASKS_PER_STEP = 20_000;
const ITEMS_PER_STEP = 5_000;

export interface ScorerChoice {
  name: string;
  version: number;
  kind: string;
  config: Record<string, unknown>;
  config_hash: string;
  created_at: string;
  judge_group_id: number | null;
}

export interface StudyStatistics {
  study_id: number;
  fingerprint: string;
  scorer: ScorerChoice | null;
  targets: Array<StudyTarget & { index: number; label: string; summary: TargetSummary }>;
  pairs: PairComparison[];
  slices: Slice[];
  /** Item ids in item order; fields per item id. */
  item_ids: number[];
  item_keys: Map<number, string>;
  item_fields: Map<number, Record<string, unknown> | null>;
  cells: Map<string, CellStats>;
  human: Map<string, HumanAgreement>;
  disagreeing: Set<number>;
  computed_ms: number;
}

/** The scorer a report is about: the one asked for, else the study's first scorer that has scores. */
export function chooseScorer(versions: ScorerVersionRow[], configured: string[], asked: { scorer?: string; version?: number }): ScorerChoice | null {
  const names = [...new Set(versions.map((v) => v.scorer))];
  const name = asked.scorer ?? configured.find((n) => names.includes(n)) ?? names[0];
  if (name === undefined) {
    if (asked.version !== undefined) throw new AppError(404, 'not_found', 'this study has no scores yet: give no version');
    return null;
  }
  const ofScorer = versions.filter((v) => v.scorer === name);
  if (ofScorer.length === 0) throw new AppError(404, 'not_found', `scorer "${name}" has not scored this study (scorers: ${names.join(', ') || 'none'})`);
  const chosen = asked.version === undefined ? ofScorer.reduce((a, b) => (b.version > a.version ? b : a)) : ofScorer.find((v) => v.version === asked.version);
  if (!chosen) throw new AppError(404, 'not_found', `scorer "${name}" has no version ${asked.version} (latest: ${Math.max(...ofScorer.map((v) => v.version))})`);
  return {
    name: chosen.scorer,
    version: chosen.version,
    kind: chosen.kind,
    config: chosen.configJson,
    config_hash: chosen.configHash,
    created_at: chosen.createdAt,
    judge_group_id: chosen.judgeGroupId,
  };
}

const memo = new WeakMap<Database, Map<string, StudyStatistics>>();
const MEMO_ENTRIES = 16;

/** Drops what is kept for a database, so the next report is computed afresh (the benchmark times that path). */
export function forgetStudyStatistics(db: Database) {
  memo.delete(db);
}

/** The whole-study statistics for one scorer version (or raw answers), from the memo when nothing changed. */
export async function studyStatistics(db: Database, studyId: number, asked: { scorer?: string; version?: number } = {}) {
  const found = await getStudy(db, studyId);
  if (!found) throw notFound('study', studyId);
  const versions = await listScorerVersions(db, studyId);
  const configured = ((found.study.optionsJson.scorers as Array<{ name: string }> | undefined) ?? []).map((s) => s.name);
  const scorer = chooseScorer(versions, configured, asked);
  const fingerprint = (await studyFingerprint(db, studyId))!;
  const key = `${studyId}:${scorer ? `${scorer.name}@${scorer.version}` : ''}`;
  let entries = memo.get(db);
  if (!entries) memo.set(db, (entries = new Map()));
  const cached = entries.get(key);
  if (cached?.fingerprint === fingerprint) return { stored: found, versions, statistics: cached };
  const statistics = await computeStatistics(db, studyId, found.study.targetsJson, found.study.samples, scorer, fingerprint);
  entries.delete(key);
  entries.set(key, statistics);
  if (entries.size > MEMO_ENTRIES) entries.delete(entries.keys().next().value!);
  return { stored: found, versions, statistics };
}

async function computeStatistics(db: Database, studyId: number, targets: StudyTarget[], samples: number, scorer: ScorerChoice | null, fingerprint: string): Promise<StudyStatistics> {
  const started = performance.now();
  const slice = timeSlicer();
  const T = targets.length;
  const range = await itemIdRange(db, studyId);
  const items = await readItems(db, studyId, range.n, slice);
  const rows: CellAnswerRow[] = [];
  if (range.low !== null && range.high !== null) {
    const step = Math.max(1, Math.floor(TASKS_PER_STEP / (T * samples)));
    for (let from = range.low; from <= range.high; from += step) {
      await slice();
      const to = Math.min(range.high, from + step - 1);
      rows.push(...(scorer ? await scoredCellAnswers(db, studyId, scorer, from, to) : await rawCellAnswers(db, studyId, from, to)));
    }
  }
  const cells = buildCells(rows);
  const tasks = await readTargetTasks(db, studyId, T, range.n * T * samples, slice);
  const human = new Map<string, HumanAgreement>();
  const humanByTarget: HumanAgreement[] = Array.from({ length: T }, () => ({ labelled: 0, compared: 0, agree: 0 }));
  for (const row of await humanLabelsByCell(db, studyId, scorer)) {
    human.set(cellKey(row.item_id, row.target_index), { labelled: row.labelled, compared: row.compared, agree: row.agree });
    const sum = humanByTarget[row.target_index];
    if (sum) {
      sum.labelled += row.labelled;
      sum.compared += row.compared;
      sum.agree += row.agree;
    }
  }
  const summaries = summariseTargets(T, cells.values(), tasks, humanByTarget);
  const itemIds = items.map((item) => item.id);
  const pairs: PairComparison[] = [];
  for (const [a, b] of pairsToCompare(summaries)) {
    await slice();
    pairs.push(comparePair(cells, itemIds, a, b, studyId * 7919 + a * 101 + b));
  }
  const labels = targetLabels(targets);
  return {
    study_id: studyId,
    fingerprint,
    scorer,
    targets: targets.map((target, index) => ({ ...target, index, label: labels[index]!, summary: summaries[index]! })),
    pairs,
    slices: sliceByFields(items, cells, T),
    item_ids: itemIds,
    item_keys: new Map(items.map((item) => [item.id, item.key])),
    item_fields: new Map(items.map((item) => [item.id, item.fields])),
    cells,
    human,
    disagreeing: disagreeingItems(cells, itemIds, T),
    computed_ms: Math.round((performance.now() - started) * 10) / 10,
  };
}

async function readItems(db: Database, studyId: number, count: number, slice: Slicer) {
  const items: Array<{ id: number; key: string; fields: Record<string, unknown> | null }> = [];
  for (let from = 0; from < count; from += ITEMS_PER_STEP) {
    await slice();
    for (const row of await itemsMeta(db, studyId, from, from + ITEMS_PER_STEP)) {
      items.push({ id: row.id, key: row.item_key, fields: row.fields_json ? (JSON.parse(row.fields_json) as Record<string, unknown>) : null });
    }
  }
  return items;
}

/** Per target: tasks by status, tokens and cost (summed a range of ordinals at a time), and latency p50/p95. */
async function readTargetTasks(db: Database, studyId: number, T: number, totalTasks: number, slice: Slicer): Promise<TargetTasks[]> {
  const sums = Array.from({ length: T }, () => ({ tasks: 0, success: 0, failed: 0, latency_n: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: null as number | null, priced_calls: 0 }));
  for (let from = 0; from < totalTasks; from += TASKS_PER_STEP) {
    await slice();
    for (const row of await targetTaskStats(db, studyId, from, from + TASKS_PER_STEP)) {
      const sum = sums[row.target_index];
      if (!sum) continue;
      sum.tasks += row.tasks;
      sum.success += row.success;
      sum.failed += row.failed;
      sum.latency_n += row.latency_n;
      sum.prompt_tokens += row.prompt_tokens;
      sum.completion_tokens += row.completion_tokens;
      if (row.cost_usd !== null) sum.cost_usd = (sum.cost_usd ?? 0) + row.cost_usd;
      sum.priced_calls += row.priced;
    }
  }
  const result: TargetTasks[] = [];
  for (const [t, { latency_n, ...sum }] of sums.entries()) {
    await slice();
    // Nearest rank: the ⌈p·n⌉-th smallest, as percentileNearestRank (statistics.ts) computes it.
    const rank = (p: number) => Math.max(1, Math.ceil((p * latency_n) / 100 - 1e-9)) - 1;
    result.push({
      ...sum,
      latency_p50_ms: latency_n ? await kthLatency(db, studyId, t, rank(50)) : null,
      latency_p95_ms: latency_n ? await kthLatency(db, studyId, t, rank(95)) : null,
    });
  }
  return result;
}
