// Scored results of a study for spreadsheets and notebooks: one row per (item, target, sample) task
// with its answer, the latest version of each scorer's score and the latest human label — read a
// page of tasks at a time, so an export of a million tasks holds one page in memory.
import { getStudy } from '../repository';
import type { Database } from '../../db/client';
import { listScorerVersions } from '../scoring/repository';
import { exportTasksAfter, parseJsonColumn, scoresOfCalls } from './repository';
import { notFound } from '../../errors';
import { itemPromptText } from '../item-prompt';
import { targetLabels } from '../sweeps';
import { targetTemplates } from '../variants/prompt-variants';
import { HUMAN_SCORER } from '../scoring/human-labels';

export const STUDY_EXPORT_PAGE = 500;

export interface ExportedScore {
  version: number;
  value: number | null;
  label: string | null;
  pass: boolean | null;
  answer: string | null;
}

export interface StudyExportRow {
  item_key: string;
  item_position: number;
  prompt: string;
  expected: unknown;
  fields: Record<string, unknown> | null;
  target_index: number;
  target: string;
  provider: string;
  model: string;
  params: Record<string, unknown>;
  sample_index: number;
  status: string;
  call_id: number | null;
  answer: string | null;
  error_class: string | null;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  scores: Record<string, ExportedScore>;
  human: { label: string | null; value: number | null; pass: boolean | null; created_by: string | null; created_at: string } | null;
}

/** The scorers the export has columns for (latest version each), and its pages of rows. */
export async function studyExport(db: Database, studyId: number, scrub: <T>(value: T) => T) {
  const found = await getStudy(db, studyId);
  if (!found) throw notFound('study', studyId);
  const latest = new Map<string, number>();
  for (const v of await listScorerVersions(db, studyId)) latest.set(v.scorer, Math.max(latest.get(v.scorer) ?? 0, v.version));
  const targets = found.study.targetsJson;
  const labels = targetLabels(targets);
  const templates = targetTemplates(found.study);

  async function* pages(): AsyncGenerator<StudyExportRow[]> {
    for (let after = -1; ; ) {
      const tasks = await exportTasksAfter(db, studyId, after, STUDY_EXPORT_PAGE);
      if (tasks.length === 0) return;
      after = tasks[tasks.length - 1]!.ordinal;
      const byCall = new Map<number, { scores: Record<string, ExportedScore>; human: StudyExportRow['human'] }>();
      const callIds = tasks.flatMap((t) => (t.call_id === null ? [] : [t.call_id]));
      for (const score of await scoresOfCalls(db, callIds)) {
        const entry = byCall.get(score.call_id) ?? { scores: {}, human: null };
        byCall.set(score.call_id, entry);
        const pass = score.pass === null ? null : score.pass === 1;
        // Rows come oldest first: a later human label replaces an earlier one.
        if (score.scorer === HUMAN_SCORER) {
          const cleared = (JSON.parse(score.detail_json) as { cleared?: boolean }).cleared;
          entry.human = cleared ? null : { label: score.label, value: score.value, pass, created_by: score.created_by, created_at: score.created_at };
        } else if (latest.get(score.scorer) === score.version) {
          entry.scores[score.scorer] = { version: score.version, value: score.value, label: score.label, pass, answer: score.answer };
        }
      }
      yield tasks.map((task) => {
        const target = targets[task.target_index]!;
        const scored = task.call_id === null ? undefined : byCall.get(task.call_id);
        return scrub({
          item_key: task.item_key,
          item_position: task.position,
          prompt: itemPromptText(task, templates[task.target_index] ?? null),
          expected: parseJsonColumn<unknown>(task.expected_json),
          fields: parseJsonColumn<Record<string, unknown>>(task.fields_json),
          target_index: task.target_index,
          target: labels[task.target_index]!,
          provider: target.provider,
          model: target.model,
          params: target.params,
          sample_index: task.sample_index,
          status: task.status,
          call_id: task.call_id,
          answer: task.status === 'success' ? task.text : null,
          error_class: task.status === 'failed' ? task.error_class : null,
          latency_ms: task.latency_ms,
          prompt_tokens: task.prompt_tokens,
          completion_tokens: task.completion_tokens,
          cost_usd: task.cost_usd,
          scores: scored?.scores ?? {},
          human: scored?.human ?? null,
        });
      });
      if (tasks.length < STUDY_EXPORT_PAGE) return;
    }
  }

  return { name: found.group.name, scorers: [...latest.keys()].sort(), pages: pages() };
}
