// Drift between two runs of a study (a re-run against the run it repeats, or any two studies with
// the same items): per item × target, did the distribution of answers move, and per target, did
// accuracy change and did the provider serve another model. Answers are read with the report's own
// SQL (report/repository.ts), a range of items at a time, and the tests run between time slices.
import pLimit from 'p-limit';
import type { Database } from '../../db/client';
import type { StudyTarget } from '../../db/schema';
import { AppError, invalidInput, notFound } from '../../errors';
import { timeSlicer, type Slicer } from '../../concurrency/time-slice';
import { getStudy } from '../repository';
import { listScorerVersions } from '../scoring/repository';
import { cellKey } from '../report/cells';
import { cellTaskStats, itemIdRange, itemsMeta, rawCellAnswers, scoredCellAnswers, studyFingerprint } from '../report/repository';
import { chooseScorer, type ScorerChoice } from '../report/service';
import { targetLabels } from '../sweeps';
import { accuracyChange, accuracyPair, addAnswerRows, addErrors, cellDrift, DRIFT_Q, emptyTally, qValues, sideDistribution, type AccuracyChange, type CellDrift, type CellTally, type SideDistribution } from './compare';
import { servedModelsByTarget, type ServedRow } from './repository';
import { noneServed, servedByTarget, servedChanges, type ServedModels } from './served';

/** Tasks of either run the drift report reads: its answers are held in memory while the tests run. */
export const MAX_DRIFT_TASKS = 200_000;
/** Item × target cells tested in one report (each a test of its own). */
export const MAX_DRIFT_CELLS = 20_000;
/**
 * Tasks aggregated per SQL statement: embedded libSQL runs a statement on the event loop, and three
 * statements read each range (measured in bench/study-drift.ts: 20,000 held the loop 40–70 ms each).
 */
const TASKS_PER_STEP = 4_000;
const ITEMS_PER_STEP = 5_000;

export interface DriftOptions {
  /** The scorer whose compared answers are counted (default: the study's first scorer with scores; none: raw answers). */
  scorer?: string;
  /** Only the drifted cells in `items.rows`. */
  drifted?: boolean;
  offset?: number;
  limit?: number;
}

export interface DriftTarget {
  target_index: number;
  label: string;
  baseline_label: string | null;
  /** Provider, model and parameters are the same in both runs. */
  same_target: boolean;
  /** Items both runs scored, over which the accuracy change is paired. */
  items: number;
  accuracy_difference: AccuracyChange;
  p_value: number | null;
  /** Cells of this target tested, and those whose answers moved (q < 0.05). */
  tested: number;
  drifted: number;
  served: { baseline: ServedModels; current: ServedModels };
  /** The served models or the system fingerprints differ between the runs (both reported some). */
  served_model_changed: boolean;
  served_changes: Array<'model' | 'system_fingerprint'>;
}

export interface DriftItem extends CellDrift {
  key: string;
  position: number;
  target_index: number;
  q_value: number | null;
  drifted: boolean;
  baseline: SideDistribution;
  current: SideDistribution;
}

/** A tested cell before it is listed: its tallies are turned into distributions only for the page shown. */
interface TestedCell extends CellDrift {
  key: string;
  position: number;
  target_index: number;
  before: CellTally;
  after: CellTally;
}

interface RunInfo {
  id: number;
  name: string;
  status: string;
  created_at: string;
}

export interface DriftReport {
  study: RunInfo;
  baseline: RunInfo;
  scorer: { name: string; kind: string; version: number; baseline_version: number; config_hash: string; baseline_config_hash: string } | null;
  q_threshold: number;
  warnings: string[];
  /** Item keys both runs have, and those only one has. */
  shared_items: number;
  only_in_study: number;
  only_in_baseline: number;
  cells_tested: number;
  cells_drifted: number;
  targets: DriftTarget[];
  items: { total: number; offset: number; limit: number; drifted_only: boolean; rows: DriftItem[] };
  computed_ms: number;
}

/** What one request may cost: the tasks of either run read, and the item × target cells tested. */
export interface DriftBounds {
  tasks: number;
  cells: number;
}

const DRIFT_BOUNDS: DriftBounds = { tasks: MAX_DRIFT_TASKS, cells: MAX_DRIFT_CELLS };

/** The whole comparison, before a page of its cells is listed: kept until either run changes. */
interface DriftAnalysis {
  fingerprint: string;
  scorer: DriftReport['scorer'];
  warnings: string[];
  shared_items: number;
  only_in_study: number;
  only_in_baseline: number;
  cells: TestedCell[];
  q: Array<number | null>;
  targets: DriftTarget[];
}

const memo = new WeakMap<Database, Map<string, DriftAnalysis>>();
const MEMO_ENTRIES = 4;
/** Fresh comparisons a process runs at once (each holds two runs' answers): more wait their turn. */
export const MAX_CONCURRENT_DRIFT_ANALYSES = 2;
const analysing = pLimit(MAX_CONCURRENT_DRIFT_ANALYSES);
// The same comparison asked for again while it is computed is shared, not computed twice.
const inFlight = new WeakMap<Database, Map<string, Promise<DriftAnalysis>>>();

/** Drops the comparisons kept for a database, so the next is computed afresh (the benchmark times that path). */
export function forgetDrift(db: Database) {
  memo.delete(db);
}

/**
 * The drift report of study `studyId` against the earlier run `baselineId`: targets matched by index
 * (a warning when they differ), items by key (a warning when the item sets differ; the shared keys
 * are compared). Throws 404 for an unknown study or baseline, 400 for a baseline that is the study
 * itself or runs too large to compare in one request. The comparison is kept per database until a
 * task of either run finishes, a score is added or a run's status changes, so paging costs little.
 */
export async function computeDrift(db: Database, studyId: number, baselineId: number, options: DriftOptions = {}, bounds: DriftBounds = DRIFT_BOUNDS): Promise<DriftReport> {
  const started = performance.now();
  if (baselineId === studyId) throw invalidInput('baseline', 'is this study itself: pick the run to compare it with');
  const current = await getStudy(db, studyId);
  if (!current) throw notFound('study', studyId);
  const earlier = await getStudy(db, baselineId);
  if (!earlier) throw new AppError(404, 'not_found', `baseline: study ${baselineId} does not exist`, [{ path: 'baseline', message: 'no such study' }]);
  for (const [field, run] of [['id', current], ['baseline', earlier]] as const) {
    if (run.study.tasksTotal > bounds.tasks) {
      throw new AppError(400, 'limit_exceeded', `${field}: study ${run.group.id} has ${n(run.study.tasksTotal)} tasks; drift compares runs of at most ${n(bounds.tasks)}`, [
        { path: field, message: 'too many tasks', limit: 'MAX_DRIFT_TASKS' },
      ]);
    }
  }
  const warnings: string[] = [];
  const scorers = await chooseScorers(db, current, earlier, options.scorer, warnings);
  // Tasks finished and scores added (studyFingerprint), and the status a "still running" warning reads.
  const fingerprint = `${current.study.status}:${await studyFingerprint(db, studyId)}|${earlier.study.status}:${await studyFingerprint(db, baselineId)}`;
  const key = `${studyId}:${baselineId}:${scorers ? `${scorers.current.name}@${scorers.current.version}:${scorers.baseline.version}` : ''}:${bounds.cells}`;
  let entries = memo.get(db);
  if (!entries) memo.set(db, (entries = new Map()));
  let analysis = entries.get(key);
  if (analysis?.fingerprint !== fingerprint) {
    let pending = inFlight.get(db);
    if (!pending) inFlight.set(db, (pending = new Map()));
    const flight = `${key}|${fingerprint}`;
    let computing = pending.get(flight);
    if (!computing) {
      computing = analysing(() => analyse(db, current, earlier, scorers, warnings, bounds, fingerprint)).finally(() => pending.delete(flight));
      pending.set(flight, computing);
    }
    analysis = await computing;
    entries.delete(key);
    entries.set(key, analysis);
    if (entries.size > MEMO_ENTRIES) entries.delete(entries.keys().next().value!);
  }
  const { cells, q } = analysis;
  const listed: number[] = [];
  cells.forEach((_, i) => {
    if (!options.drifted || isDrifted(q[i]!)) listed.push(i);
  });
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 100;
  return {
    study: runInfo(current),
    baseline: runInfo(earlier),
    scorer: analysis.scorer,
    q_threshold: DRIFT_Q,
    warnings: analysis.warnings,
    shared_items: analysis.shared_items,
    only_in_study: analysis.only_in_study,
    only_in_baseline: analysis.only_in_baseline,
    cells_tested: analysis.targets.reduce((sum, t) => sum + t.tested, 0),
    cells_drifted: analysis.targets.reduce((sum, t) => sum + t.drifted, 0),
    targets: analysis.targets,
    items: {
      total: listed.length,
      offset,
      limit,
      drifted_only: options.drifted ?? false,
      rows: listed.slice(offset, offset + limit).map((i) => listedItem(cells[i]!, q[i]!, isDrifted(q[i]!))),
    },
    computed_ms: Math.round((performance.now() - started) * 10) / 10,
  };
}

const n = (value: number) => value.toLocaleString('en-US');
const isDrifted = (q: number | null) => q !== null && q < DRIFT_Q;

type Scorers = Awaited<ReturnType<typeof chooseScorers>>;

async function analyse(db: Database, current: StoredStudy, earlier: StoredStudy, scorers: Scorers, warnings: string[], bounds: DriftBounds, fingerprint: string): Promise<DriftAnalysis> {
  const studyId = current.group.id;
  const baselineId = earlier.group.id;
  const T = Math.min(current.study.targetsJson.length, earlier.study.targetsJson.length);
  const slice = timeSlicer();
  const items = await readItems(db, studyId, slice);
  const baselineItems = await readItems(db, baselineId, slice);
  const baselineByKey = new Map(baselineItems.map((item) => [item.key, item]));
  const shared = items.filter((item) => baselineByKey.has(item.key));
  if (shared.length * T > bounds.cells) {
    throw new AppError(400, 'limit_exceeded', `id: ${n(shared.length)} shared items × ${T} targets is ${n(shared.length * T)} cells; drift tests at most ${n(bounds.cells)} per request`, [
      { path: 'id', message: 'too many cells', limit: 'MAX_DRIFT_CELLS' },
    ]);
  }
  warnings.push(...targetWarnings(current.study.targetsJson, earlier.study.targetsJson), ...itemWarnings(items.length, baselineItems.length, shared.length));
  for (const run of [current, earlier]) {
    if (run.study.status === 'running' || run.study.status === 'creating') warnings.push(`study ${run.group.id} is still running: its answers so far are compared`);
  }

  const now = await readRun(db, studyId, scorers?.current ?? null, current.study.targetsJson.length, current.study.samples, slice);
  const before = await readRun(db, baselineId, scorers?.baseline ?? null, earlier.study.targetsJson.length, earlier.study.samples, slice);

  const cells: TestedCell[] = [];
  const pairs = Array.from({ length: T }, () => [] as Array<[number, number]>);
  for (const item of shared) {
    const baselineItem = baselineByKey.get(item.key)!;
    for (let t = 0; t < T; t++) {
      await slice();
      const baselineTally = before.tallies.get(cellKey(baselineItem.id, t));
      const currentTally = now.tallies.get(cellKey(item.id, t));
      const pair = accuracyPair(baselineTally, currentTally);
      if (pair) pairs[t]!.push(pair);
      const beforeTally = baselineTally ?? emptyTally();
      const afterTally = currentTally ?? emptyTally();
      cells.push({ key: item.key, position: item.position, target_index: t, ...(await cellDrift(beforeTally, afterTally, slice)), before: beforeTally, after: afterTally });
    }
  }
  const q = qValues(cells.map((cell) => cell.p_value));
  const tested = new Array<number>(T).fill(0);
  const drifted = new Array<number>(T).fill(0);
  cells.forEach((cell, i) => {
    if (cell.p_value !== null) tested[cell.target_index]! += 1;
    if (isDrifted(q[i]!)) drifted[cell.target_index]! += 1;
  });

  const labels = targetLabels(current.study.targetsJson);
  const baselineLabels = targetLabels(earlier.study.targetsJson);
  const servedNow = servedByTarget(now.served);
  const servedBefore = servedByTarget(before.served);
  const targets: DriftTarget[] = [];
  for (let t = 0; t < T; t++) {
    await slice();
    const change = accuracyChange(pairs[t]!);
    const served = { baseline: servedBefore.get(t) ?? noneServed(), current: servedNow.get(t) ?? noneServed() };
    const changes = servedChanges(served.baseline, served.current);
    targets.push({
      target_index: t,
      label: labels[t]!,
      baseline_label: baselineLabels[t] ?? null,
      same_target: sameTarget(current.study.targetsJson[t]!, earlier.study.targetsJson[t]!),
      items: change.items,
      accuracy_difference: change,
      p_value: change.p_value,
      tested: tested[t]!,
      drifted: drifted[t]!,
      served,
      served_model_changed: changes.length > 0,
      served_changes: changes,
    });
  }
  return {
    fingerprint,
    scorer: scorers
      ? {
          name: scorers.current.name,
          kind: scorers.current.kind,
          version: scorers.current.version,
          baseline_version: scorers.baseline.version,
          config_hash: scorers.current.config_hash,
          baseline_config_hash: scorers.baseline.config_hash,
        }
      : null,
    warnings,
    shared_items: shared.length,
    only_in_study: items.length - shared.length,
    only_in_baseline: baselineItems.length - shared.length,
    cells,
    q,
    targets,
  };
}

function listedItem({ before, after, ...cell }: TestedCell, q_value: number | null, drifted: boolean): DriftItem {
  return { ...cell, q_value, drifted, baseline: sideDistribution(before), current: sideDistribution(after) };
}

type StoredStudy = NonNullable<Awaited<ReturnType<typeof getStudy>>>;

const runInfo = (run: StoredStudy): RunInfo => ({ id: run.group.id, name: run.group.name, status: run.study.status, created_at: run.study.createdAt });

/**
 * The scorer both runs are read with: the one asked for, else the study's own first scorer with
 * scores, each run at its latest version. Null (raw answers in both) when the study has no scores.
 */
async function chooseScorers(db: Database, current: StoredStudy, earlier: StoredStudy, asked: string | undefined, warnings: string[]) {
  const versions = await listScorerVersions(db, current.group.id);
  const configured = ((current.study.optionsJson as { scorers?: Array<{ name: string }> }).scorers ?? []).map((s) => s.name);
  const chosen = chooseScorer(versions, configured, { scorer: asked });
  const baselineVersions = await listScorerVersions(db, earlier.group.id);
  if (!chosen) {
    if (baselineVersions.length) warnings.push('this study has no scores yet: the raw answers of both runs are compared');
    return null;
  }
  if (!baselineVersions.some((v) => v.scorer === chosen.name)) {
    throw new AppError(404, 'not_found', `baseline: scorer "${chosen.name}" has not scored study ${earlier.group.id}; score it first (POST /api/v1/studies/${earlier.group.id}/score)`, [
      { path: 'baseline', message: `not scored by "${chosen.name}"` },
    ]);
  }
  const baseline: ScorerChoice = chooseScorer(baselineVersions, [], { scorer: chosen.name })!;
  if (baseline.config_hash !== chosen.config_hash) {
    warnings.push(`scorer "${chosen.name}" is configured differently in the two runs (version ${baseline.version} of the baseline, ${chosen.version} of this study): a change in answers may be the scorer's`);
  }
  return { current: chosen, baseline };
}

/** Targets matched by index: say where they differ. */
function targetWarnings(current: StudyTarget[], baseline: StudyTarget[]): string[] {
  const warnings: string[] = [];
  if (current.length !== baseline.length) {
    warnings.push(`the runs have ${current.length} and ${baseline.length} targets: the first ${Math.min(current.length, baseline.length)} are compared, matched by index`);
  }
  const labels = targetLabels(current);
  const baselineLabels = targetLabels(baseline);
  for (let t = 0; t < Math.min(current.length, baseline.length); t++) {
    if (!sameTarget(current[t]!, baseline[t]!)) {
      warnings.push(`target ${t} differs between the runs (${baselineLabels[t]} ${JSON.stringify(baseline[t]!.params)} then ${labels[t]} ${JSON.stringify(current[t]!.params)}): a change may be the target's, not drift`);
    }
  }
  return warnings;
}

function itemWarnings(items: number, baselineItems: number, shared: number): string[] {
  if (shared === items && shared === baselineItems) return [];
  if (shared === 0) return ['the runs share no item keys: nothing to compare'];
  return [`the runs' items differ: the ${shared} item keys both have are compared (${items - shared} only in this study, ${baselineItems - shared} only in the baseline)`];
}

function sameTarget(a: StudyTarget, b: StudyTarget): boolean {
  return a.provider === b.provider && a.model === b.model && canonical(a.params ?? {}) === canonical(b.params ?? {});
}

/** JSON with object keys sorted, so parameter objects compare whatever order they were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface RunItem {
  id: number;
  key: string;
  position: number;
}

async function readItems(db: Database, studyId: number, slice: Slicer): Promise<RunItem[]> {
  const { n } = await itemIdRange(db, studyId);
  const items: RunItem[] = [];
  for (let from = 0; from < n; from += ITEMS_PER_STEP) {
    await slice();
    for (const row of await itemsMeta(db, studyId, from, from + ITEMS_PER_STEP)) items.push({ id: row.id, key: row.item_key, position: row.position });
  }
  return items;
}

/**
 * Every cell's answers (compared by the scorer, or raw), format failures and errors, and the served
 * models of each target, a range of item ids at a time.
 */
async function readRun(db: Database, studyId: number, scorer: ScorerChoice | null, T: number, samples: number, slice: Slicer) {
  const tallies = new Map<number, CellTally>();
  const served = new Map<string, ServedRow>();
  const range = await itemIdRange(db, studyId);
  const step = Math.max(1, Math.floor(TASKS_PER_STEP / Math.max(1, T * samples)));
  for (let from = range.low ?? 1; range.high !== null && from <= range.high; from += step) {
    await slice();
    const to = Math.min(range.high, from + step - 1);
    addAnswerRows(tallies, scorer ? await scoredCellAnswers(db, studyId, scorer, from, to) : await rawCellAnswers(db, studyId, from, to), cellKey);
    await slice();
    for (const row of await cellTaskStats(db, studyId, from, to)) addErrors(tallies, cellKey(row.item_id, row.target_index), row.failed);
    await slice();
    for (const row of await servedModelsByTarget(db, studyId, from, to)) {
      const key = JSON.stringify([row.target_index, row.served_model, row.system_fingerprint]);
      const seen = served.get(key);
      if (seen) seen.calls += row.calls;
      else served.set(key, { ...row });
    }
  }
  return { tallies, served: [...served.values()] };
}
