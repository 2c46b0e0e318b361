// The report of a study as the API and the page give it: the whole-study statistics plus one page of
// items (filtered to disagreements or a slice), each with its prompt, expected answer and cells.
import type { z } from 'zod';
import type { Database } from '../../db/client';
import type { reportQuerySchema } from '../../schemas/study-requests';
import type { ScorerVersionRow } from '../scoring/repository';
import { cellTaskCounts, itemsByIds, parseJsonColumn } from './repository';
import { itemPromptText } from '../item-prompt';
import { itemTemplate } from '../variants/prompt-variants';
import { cellKey, type CellStats } from './cells';
import { adjustFamily } from './pairs';
import { studyStatistics, type StudyStatistics } from './service';

type ParsedReportQuery = z.output<typeof reportQuerySchema>;
/** The report's query as its schema leaves it; how p-values are adjusted and the effect for power default as there. */
export type ReportQuery = Omit<ParsedReportQuery, 'adjust' | 'effect'> & Partial<Pick<ParsedReportQuery, 'adjust' | 'effect'>>;

export interface ReportCell extends Partial<CellStats> {
  target_index: number;
  tasks: number;
  success: number;
  failed: number;
  pending: number;
  human: { labelled: number; compared: number; agree: number } | null;
}

/** The significance level and power the report's minimum detectable effects and items needed are for. */
const ALPHA = 0.05;
const POWER = 0.8;

export interface ReportItem {
  item_id: number;
  key: string;
  position: number;
  /** The prompt as sent (template and variables applied; the last user message of a conversation). */
  prompt: string;
  expected: unknown;
  fields: Record<string, unknown> | null;
  disagree: boolean;
  cells: ReportCell[];
}

export async function studyReport(db: Database, studyId: number, query: ReportQuery) {
  const { stored, versions, statistics } = await studyStatistics(db, studyId, query);
  const matching = filterItems(statistics, query);
  const pageIds = matching.slice(query.offset, query.offset + query.limit);
  const items = await reportItems(db, studyId, itemTemplate(stored.study), statistics, pageIds);
  const adjust = query.adjust ?? 'holm';
  const { pairs, family } = adjustFamily(statistics.pairs, adjust, query.effect ?? 0.05);
  return {
    statistics,
    versions,
    body: {
      id: studyId,
      name: stored.group.name,
      scorer: statistics.scorer,
      scorers: scorerList(versions),
      cluster_by: statistics.cluster_by,
      warnings: statistics.warnings,
      targets: statistics.targets.map(({ summary, ...target }) => ({ ...target, ...summary })),
      comparisons: {
        ...family,
        primary: statistics.primary,
        alpha: ALPHA,
        power: POWER,
        note: familyNote(family.adjust, family.family_size, statistics.primary),
      },
      pairs: pairs.map((pair) => ({ ...pair, disagreeing_keys: pair.disagreeing_items.map((id) => statistics.item_keys.get(id)!) })),
      agreement: statistics.agreement,
      slices: statistics.slices,
      fields: statistics.slices.map((slice) => slice.field),
      items: { total: matching.length, offset: query.offset, limit: query.limit, filters: filtersOf(query), rows: items },
      computed_ms: statistics.computed_ms,
    },
  };
}

export type StudyReport = Awaited<ReturnType<typeof studyReport>>;

function familyNote(adjust: 'holm' | 'bh', size: number, primary: [number, number] | null) {
  const method = adjust === 'bh' ? 'Benjamini–Hochberg (false discovery rate)' : 'Holm (family-wise error)';
  const family = `p_adjusted: ${method} over ${size} pair${size === 1 ? '' : 's'} of targets`;
  return primary ? `${family}; the primary contrast ${primary[0]} − ${primary[1]} is reported unadjusted and is not in that family` : family;
}

function filtersOf(query: ReportQuery) {
  return { disagree: query.disagree ?? false, field: query.field ?? null, value: query.field ? (query.value ?? null) : null };
}

/** Item ids in item order that pass the filters: disagreements only, and/or one value of one field. */
export function filterItems(statistics: StudyStatistics, query: Pick<ReportQuery, 'disagree' | 'field' | 'value'>): number[] {
  return statistics.item_ids.filter((id) => {
    if (query.disagree && !statistics.disagreeing.has(id)) return false;
    if (query.field) {
      const raw = statistics.item_fields.get(id)?.[query.field];
      const value = raw === undefined ? undefined : raw === null ? '(none)' : String(raw);
      if (value === undefined || (query.value !== undefined && value !== query.value)) return false;
    }
    return true;
  });
}

async function reportItems(db: Database, studyId: number, template: string | null, statistics: StudyStatistics, ids: number[]): Promise<ReportItem[]> {
  const details = await itemsByIds(db, studyId, ids);
  const counts = new Map((await cellTaskCounts(db, studyId, ids)).map((row) => [cellKey(row.item_id, row.target_index), row]));
  return details.map((item) => ({
    item_id: item.id,
    key: item.item_key,
    position: item.position,
    prompt: itemPromptText(item, template),
    expected: parseJsonColumn<unknown>(item.expected_json),
    fields: parseJsonColumn<Record<string, unknown>>(item.fields_json),
    disagree: statistics.disagreeing.has(item.id),
    cells: statistics.targets.map(({ index }) => {
      const key = cellKey(item.id, index);
      const tasks = counts.get(key) ?? { tasks: 0, success: 0, failed: 0 };
      return {
        ...statistics.cells.get(key),
        target_index: index,
        tasks: tasks.tasks,
        success: tasks.success,
        failed: tasks.failed,
        pending: tasks.tasks - tasks.success - tasks.failed,
        human: humanOf(statistics, key),
      };
    }),
  }));
}

function humanOf(statistics: StudyStatistics, key: number) {
  const table = statistics.human.get(key);
  return table ? { labelled: table.labelled, compared: table.compared, agree: table.agree } : null;
}

/** Each scorer of the study with its versions, newest first. */
export function scorerList(versions: ScorerVersionRow[]) {
  const byName = new Map<string, ScorerVersionRow[]>();
  for (const v of versions) byName.set(v.scorer, [...(byName.get(v.scorer) ?? []), v]);
  return [...byName].map(([name, list]) => ({
    name,
    kind: list[0]!.kind,
    latest_version: Math.max(...list.map((v) => v.version)),
    versions: list
      .sort((a, b) => b.version - a.version)
      .map((v) => ({ version: v.version, config: v.configJson, config_hash: v.configHash, created_at: v.createdAt, scoring_run_id: v.scoringRunId, judge_group_id: v.judgeGroupId })),
  }));
}
