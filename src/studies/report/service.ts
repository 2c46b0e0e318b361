// A study's report: which target answers better, how consistently, and whether the difference is
// real. SQL aggregates per item × target × answer and per item × target over tasks, a range of items
// at a time (time-sliced); the statistics over those rows — all over items, from the core in
// ../statistics — are computed in cells.ts, target-summary.ts, pairs.ts and agreement.ts. The
// whole-study part is kept per database until a task finishes or a score is added, so polling a
// finished study costs one row read.
import { getStudy } from '../repository';
import type { Database } from '../../db/client';
import { listScorerVersions, type ScorerVersionRow } from '../scoring/repository';
import type { StudyTarget } from '../../db/schema';
import {
  cellTaskStats,
  humanLabelsByCell,
  itemIdRange,
  itemsByIds,
  itemsMeta,
  kthLatency,
  parseJsonColumn,
  rawCellAnswers,
  reviewerTables,
  scoredCellAnswers,
  studyFingerprint,
  type CellAnswerRow,
} from './repository';
import { timeSlicer, type Slicer } from '../../concurrency/time-slice';
import { AppError, invalidInput, notFound } from '../../errors';
import { buildCells, cellKey, disagreeingItems, type CellStats } from './cells';
import { fieldValues, sliceValue, sortedValues, summariseTarget, type CellCost, type Slice, type StudyItem, type SummaryInput, type TargetSummary, type TargetTasks } from './target-summary';
import { addHumanTable, emptyHumanTable, humanAgreement, reviewerAgreement, type HumanAgreement, type HumanTable, type ReviewerAgreement } from './agreement';
import { comparePair, listedDisagreements, pairsToCompare, targetVector, type PairComparison, type TargetVectors } from './pairs';
import { promptPassWarnings, spreadSample, type ScorerWarning } from './pitfalls';
import { humanAdjustedAccuracy, type HumanAdjustedAccuracy } from './human-adjusted';
import { itemPromptText } from '../item-prompt';
import { targetLabels } from '../sweeps';
import { itemTemplate } from '../variants/prompt-variants';

/** Tasks aggregated per SQL statement: each statement stays a few milliseconds long. */
const TASKS_PER_STEP = 20_000;
/** Cells built per step (a wide sweep of one sample has as many cells as tasks): each step stays well under the event-loop budget. */
const CELLS_PER_STEP = 1_000;
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
  /** The item field intervals are clustered by; null: by item. */
  cluster_by: string | null;
  targets: Array<StudyTarget & { index: number; label: string; summary: TargetSummary & { accuracy_human_adjusted: HumanAdjustedAccuracy | null } }>;
  /** Every pair of targets, p-values not yet adjusted (see adjustFamily). */
  pairs: PairComparison[];
  primary: [number, number] | null;
  slices: Slice[];
  /** Item ids in item order; fields per item id. */
  item_ids: number[];
  item_keys: Map<number, string>;
  item_fields: Map<number, Record<string, unknown> | null>;
  cells: Map<number, CellStats>;
  human: Map<number, HumanTable>;
  agreement: { human_vs_scorer: HumanAgreement; reviewers: ReviewerAgreement[] };
  warnings: ScorerWarning[];
  disagreeing: Set<number>;
  computed_ms: number;
}

export interface StatisticsQuery {
  scorer?: string;
  version?: number;
  /** An item field to cluster by instead of the study's cluster_by; '' clusters by item. */
  cluster_by?: string;
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
export async function studyStatistics(db: Database, studyId: number, asked: StatisticsQuery = {}) {
  const found = await getStudy(db, studyId);
  if (!found) throw notFound('study', studyId);
  const versions = await listScorerVersions(db, studyId);
  const options = found.study.optionsJson as { scorers?: Array<{ name: string }>; cluster_by?: string; primary?: [number, number] };
  const configured = (options.scorers ?? []).map((s) => s.name);
  const scorer = chooseScorer(versions, configured, asked);
  const clusterBy = asked.cluster_by === undefined ? (options.cluster_by ?? null) : asked.cluster_by || null;
  const fingerprint = (await studyFingerprint(db, studyId))!;
  const key = `${studyId}:${scorer ? `${scorer.name}@${scorer.version}` : ''}:${clusterBy ?? ''}`;
  let entries = memo.get(db);
  if (!entries) memo.set(db, (entries = new Map()));
  const cached = entries.get(key);
  if (cached?.fingerprint === fingerprint) return { stored: found, versions, statistics: cached };
  const statistics = await computeStatistics(db, {
    studyId,
    targets: found.study.targetsJson,
    samples: found.study.samples,
    template: itemTemplate(found.study),
    scorer,
    versions,
    clusterBy,
    clusterAsked: asked.cluster_by !== undefined,
    primary: options.primary ?? null,
    fingerprint,
  });
  entries.delete(key);
  entries.set(key, statistics);
  if (entries.size > MEMO_ENTRIES) entries.delete(entries.keys().next().value!);
  return { stored: found, versions, statistics };
}

interface ComputeInput {
  studyId: number;
  targets: StudyTarget[];
  samples: number;
  template: string | null;
  scorer: ScorerChoice | null;
  versions: ScorerVersionRow[];
  clusterBy: string | null;
  /** The clustering field came from the query (checked here), not from the study (checked at creation). */
  clusterAsked: boolean;
  primary: [number, number] | null;
  fingerprint: string;
}

async function computeStatistics(db: Database, input: ComputeInput): Promise<StudyStatistics> {
  const { studyId, targets, samples, scorer, clusterBy } = input;
  const started = performance.now();
  const slice = timeSlicer();
  const T = targets.length;
  const range = await itemIdRange(db, studyId);
  const items = await readItems(db, studyId, range.n, slice);
  if (clusterBy !== null && input.clusterAsked && !items.some((item) => item.fields?.[clusterBy] != null)) {
    throw invalidInput('cluster_by', `no item of this study has the field "${clusterBy}"`);
  }
  // Item ranges do not overlap, so each range's rows make whole cells.
  const cells = new Map<number, CellStats>();
  const step = Math.max(1, Math.min(Math.floor(TASKS_PER_STEP / (T * samples)), Math.floor(CELLS_PER_STEP / T)));
  for (let from = range.low ?? 1; range.high !== null && from <= range.high; from += step) {
    await slice();
    const to = Math.min(range.high, from + step - 1);
    const rows: CellAnswerRow[] = scorer ? await scoredCellAnswers(db, studyId, scorer, from, to) : await rawCellAnswers(db, studyId, from, to);
    await slice();
    for (const [key, cell] of buildCells(rows)) cells.set(key, cell);
  }
  const { tasks, costs } = await readTaskStats(db, studyId, T, range, step, slice);
  const human = new Map<number, HumanTable>();
  const humanByTarget = Array.from({ length: T }, emptyHumanTable);
  const humanOverall = emptyHumanTable();
  for (const { item_id, target_index, ...table } of await humanLabelsByCell(db, studyId, scorer)) {
    human.set(cellKey(item_id, target_index), table);
    if (humanByTarget[target_index]) addHumanTable(humanByTarget[target_index], table);
    addHumanTable(humanOverall, table);
  }
  const summaryInput: SummaryInput = { targetCount: T, items, cells, tasks, costs, human: humanByTarget, clusterBy };
  const summaries: Array<TargetSummary & { accuracy_human_adjusted: HumanAdjustedAccuracy | null }> = [];
  for (let t = 0; t < T; t++) {
    await slice();
    const summary = summariseTarget(summaryInput, t);
    await slice();
    summaries.push({ ...summary, accuracy_human_adjusted: scorer ? humanAdjustedAccuracy(items, cells, human, t, clusterBy) : null });
  }
  const slices: Slice[] = [];
  for (const [field, values] of fieldValues(items)) {
    const sliceValues = [];
    for (const [value, members] of sortedValues(values)) {
      await slice();
      sliceValues.push(sliceValue(value, members, cells, T, clusterBy));
    }
    slices.push({ field, values: sliceValues });
  }
  const itemIds = items.map((item) => item.id);
  const pairs = await compareAllPairs(cells, itemIds, T, input.primary, slice);
  const labels = targetLabels(targets);
  return {
    study_id: studyId,
    fingerprint: input.fingerprint,
    scorer,
    cluster_by: clusterBy,
    targets: targets.map((target, index) => ({ ...target, index, label: labels[index]!, summary: summaries[index]! })),
    pairs,
    primary: pairs[0]?.primary ? [pairs[0].a, pairs[0].b] : null,
    slices,
    item_ids: itemIds,
    item_keys: new Map(items.map((item) => [item.id, item.key])),
    item_fields: new Map(items.map((item) => [item.id, item.fields])),
    cells,
    human,
    agreement: { human_vs_scorer: humanAgreement(humanOverall), reviewers: (await reviewerTables(db, studyId)).map(reviewerAgreement) },
    warnings: await scorerWarnings(db, studyId, input.template, input.versions, itemIds, slice),
    disagreeing: disagreeingItems(cells, itemIds, T),
    computed_ms: Math.round((performance.now() - started) * 10) / 10,
  };
}

/** Every pair of targets over the items both answered, a time slice at a time (100 targets: 4,950 pairs). */
async function compareAllPairs(cells: Map<number, CellStats>, itemIds: number[], T: number, primary: [number, number] | null, slice: Slicer) {
  const vectors: TargetVectors[] = [];
  for (let t = 0; t < T; t++) {
    await slice();
    vectors.push(targetVector(cells, itemIds, t));
  }
  const differences = new Float64Array(itemIds.length);
  const toCompare = pairsToCompare(T, primary);
  const listed = listedDisagreements(toCompare.length);
  const pairs: PairComparison[] = [];
  for (const [index, [a, b]] of toCompare.entries()) {
    await slice();
    pairs.push(comparePair(vectors, itemIds, a, b, { primary: index === 0 && primary !== null && primary[0] === a && primary[1] === b, listed, differences }));
  }
  return pairs;
}

/** Warnings about the latest version of each scorer, tried on the prompts of an even spread of items. */
async function scorerWarnings(db: Database, studyId: number, template: string | null, versions: ScorerVersionRow[], itemIds: number[], slice: Slicer) {
  const latest = new Map<string, ScorerVersionRow>();
  for (const v of versions) if ((latest.get(v.scorer)?.version ?? 0) < v.version) latest.set(v.scorer, v);
  if (latest.size === 0) return [];
  const checked = await itemsByIds(db, studyId, spreadSample(itemIds.length).map((i) => itemIds[i]!));
  const items = [];
  for (const item of checked) {
    await slice();
    items.push({ prompt: itemPromptText(item, template), expected: parseJsonColumn<unknown>(item.expected_json) });
  }
  await slice();
  return promptPassWarnings([...latest.values()].map((v) => ({ name: v.scorer, version: v.version, kind: v.kind, config: v.configJson })), items);
}

async function readItems(db: Database, studyId: number, count: number, slice: Slicer): Promise<StudyItem[]> {
  const items: StudyItem[] = [];
  for (let from = 0; from < count; from += ITEMS_PER_STEP) {
    await slice();
    for (const row of await itemsMeta(db, studyId, from, from + ITEMS_PER_STEP)) {
      items.push({ id: row.id, key: row.item_key, fields: row.fields_json ? (JSON.parse(row.fields_json) as Record<string, unknown>) : null });
    }
  }
  return items;
}

/**
 * Per target: tasks by status, tokens and cost, and latency p50/p95; per cell: what its tasks cost.
 * Summed a range of items (`step` ids) at a time.
 */
async function readTaskStats(
  db: Database,
  studyId: number,
  T: number,
  range: { low: number | null; high: number | null },
  step: number,
  slice: Slicer,
): Promise<{ tasks: TargetTasks[]; costs: Map<number, CellCost> }> {
  const sums = Array.from({ length: T }, () => ({ tasks: 0, success: 0, failed: 0, latency_n: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: null as number | null, priced_calls: 0 }));
  const costs = new Map<number, CellCost>();
  for (let from = range.low ?? 1; range.high !== null && from <= range.high; from += step) {
    await slice();
    for (const row of await cellTaskStats(db, studyId, from, Math.min(range.high, from + step - 1))) {
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
      const key = cellKey(row.item_id, row.target_index);
      const cost = costs.get(key) ?? { cost: 0, priced: 0, answered: 0 };
      cost.cost += row.cost_usd ?? 0;
      cost.priced += row.priced;
      cost.answered += row.success;
      costs.set(key, cost);
    }
  }
  const tasks: TargetTasks[] = [];
  for (const [t, { latency_n, ...sum }] of sums.entries()) {
    await slice();
    // Nearest rank: the ⌈p·n⌉-th smallest (Wikipedia, "Percentile": of {15, 20, 35, 40, 50}, p50 is 35).
    const rank = (p: number) => Math.max(1, Math.ceil((p * latency_n) / 100 - 1e-9)) - 1;
    tasks.push({
      ...sum,
      latency_p50_ms: latency_n ? await kthLatency(db, studyId, t, rank(50)) : null,
      latency_p95_ms: latency_n ? await kthLatency(db, studyId, t, rank(95)) : null,
    });
  }
  return { tasks, costs };
}
