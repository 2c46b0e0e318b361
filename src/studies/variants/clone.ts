// Clone and change: a new study with the same items as another and its setup (targets, template or
// prompt variants, samples, scorers, sweep), some of it changed. The copy is checked and started as any
// new study is (the same schemas, the same cost ceilings before anything is stored); it records the
// study it was cloned from.
import { timeSlicer } from '../../concurrency/time-slice';
import { AppError, notFound } from '../../errors';
import type { StudyTarget } from '../../db/schema';
import { paramNameIssues } from '../../schemas/requests';
import type { CloneChanges, StudyItemGiven } from '../../schemas/study-requests';
import { getStudy } from '../repository';
import { startStudy, type StudyContext } from '../service';
import { checkStudyBody } from '../study-body';
import { sweepCombinationCount, type Sweep } from '../sweeps';
import { studyPromptVariants, type PromptVariant } from './prompt-variants';
import { studyItemCount, studyItemsAfter } from './clone-repository';

/** Items read from the study at a time. */
const ITEMS_PER_READ = 1_000;

/** A study's setup as it was given (before its sweep and variants were expanded), to copy or show on the clone form. */
export interface StudySetup {
  studyId: number;
  name: string;
  description?: string;
  targets: Array<{ provider: string; model: string; params: Record<string, unknown>; allow_unknown_params?: true }>;
  template?: string;
  prompts?: PromptVariant[];
  samples: number;
  concurrency: number;
  collapse_samples?: boolean;
  sweep?: Sweep;
  scorers?: Array<Record<string, unknown>>;
  cluster_by?: string;
  primary?: [number, number];
  items: number;
}

export async function studySetup(ctx: StudyContext, studyId: number): Promise<StudySetup> {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const { study, group } = found;
  // Its items are still being written (or never all were): there is nothing whole to copy.
  if (study.status === 'creating') throw new AppError(409, 'conflict', `study ${studyId} is not fully created: it cannot be cloned`);
  const options = study.optionsJson as { collapse_samples?: boolean; sweep?: Sweep; scorers?: Array<{ name: string; config: Record<string, unknown> }>; cluster_by?: string; primary?: [number, number] };
  const prompts = studyPromptVariants(study);
  return {
    studyId,
    name: group.name,
    ...(group.description ? { description: group.description } : {}),
    targets: givenTargets(study.targetsJson, options.sweep, Math.max(1, prompts.length)),
    ...(study.template !== null ? { template: study.template } : {}),
    ...(prompts.length ? { prompts } : {}),
    samples: study.samples,
    concurrency: study.concurrency,
    ...(options.collapse_samples ? { collapse_samples: true } : {}),
    ...(options.sweep ? { sweep: options.sweep } : {}),
    ...(options.scorers?.length ? { scorers: options.scorers.map((scorer) => ({ name: scorer.name, ...scorer.config })) } : {}),
    ...(options.cluster_by !== undefined ? { cluster_by: options.cluster_by } : {}),
    ...(options.primary ? { primary: options.primary } : {}),
    items: await studyItemCount(ctx.db, studyId),
  };
}

/**
 * The targets as given: stored targets are each given one × sweep combination × variant, in that
 * order (see expandSweep, expandPromptVariants), so every (combinations × variants)-th is a given
 * one, its swept values taken out of its params again. A target stored with parameter names this
 * app does not know was allowed them, and is again.
 */
function givenTargets(stored: readonly StudyTarget[], sweep: Sweep | undefined, variants: number): StudySetup['targets'] {
  const every = (sweep ? sweepCombinationCount(sweep) : 1) * variants;
  return stored
    .filter((_, i) => i % every === 0)
    .map((target) => {
      const params = Object.fromEntries(Object.entries(target.params).filter(([key]) => !(target.sweep && Object.hasOwn(target.sweep, key))));
      const given = { provider: target.provider, model: target.model, params };
      return paramNameIssues(given).length ? { ...given, allow_unknown_params: true as const } : given;
    });
}

/**
 * Creates and starts the copy: the setup of study `studyId`, `changes` applied, its items as they
 * are. A new template replaces the variants and new variants the template; a primary contrast names
 * target indexes, so it is kept only while the targets and prompts are.
 */
export async function cloneStudy(ctx: StudyContext, studyId: number, changes: CloneChanges = {}) {
  const setup = await studySetup(ctx, studyId);
  const items = await storedItems(ctx, studyId);
  const { studyId: _id, items: _count, template, prompts, primary, scorers, ...kept } = setup;
  const promptsChanged = changes.template !== undefined || changes.prompts !== undefined;
  const fields: Record<string, unknown> = {
    ...kept,
    name: changes.name ?? cloneName(setup.name),
    ...(changes.targets ? { targets: changes.targets } : {}),
    ...(changes.samples !== undefined ? { samples: changes.samples } : {}),
    ...definedOnly({ scorers: changes.scorers === undefined ? scorers : (changes.scorers ?? undefined) }),
    ...(promptsChanged ? definedOnly({ template: changes.template ?? undefined, prompts: changes.prompts ?? undefined }) : definedOnly({ template, prompts })),
    ...(primary && !changes.targets && !promptsChanged ? { primary } : {}),
  };
  const input = await checkStudyBody(fields, items.length, timeSlicer(), (i) => items[i]);
  return startStudy(ctx, input, { clonedFrom: studyId });
}

const cloneName = (name: string) => {
  const suffix = ' (clone)';
  return `${name.slice(0, 200 - suffix.length)}${suffix}`;
};

const definedOnly = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

/** The study's items as a study body gives them (their keys as ids), read a page at a time. */
async function storedItems(ctx: StudyContext, studyId: number): Promise<StudyItemGiven[]> {
  const items: StudyItemGiven[] = [];
  const slice = timeSlicer();
  for (let after = -1; ; ) {
    await slice();
    const rows = await studyItemsAfter(ctx.db, studyId, after, ITEMS_PER_READ);
    if (rows.length === 0) return items;
    after = rows[rows.length - 1]!.position;
    for (const row of rows) {
      await slice();
      const item: Record<string, unknown> = { id: row.item_key };
      if (row.prompt !== null) item.prompt = row.prompt;
      if (row.messages_json !== null) item.messages = JSON.parse(row.messages_json);
      if (row.vars_json !== null) item.vars = JSON.parse(row.vars_json);
      if (row.expected_json !== null) item.expected = JSON.parse(row.expected_json);
      if (row.fields_json !== null) item.fields = JSON.parse(row.fields_json);
      items.push(item as StudyItemGiven);
    }
  }
}
