// Prompt variants: a study's several templates crossed with its targets. Like a sweep, each
// (target, variant) pair becomes a stored target carrying `prompt_name`, so the runner, report,
// pairs and statistics treat "model · variant" as one more column; the templates stay in the study's
// options (not copied into every target) and are looked up by name.
import type { StudyTarget } from '../../db/schema';

/** Templates one study may have; each template is at most 100,000 characters, like `template`. */
export const MAX_PROMPT_VARIANTS = 16;

export interface PromptVariant {
  name: string;
  template: string;
}

/** Each target once per variant, variants varying fastest: m1·A, m1·B, m2·A, m2·B. */
export function expandPromptVariants<T extends object>(targets: readonly T[], prompts: readonly PromptVariant[] | undefined): Array<T & { prompt_name?: string }> {
  if (!prompts?.length) return [...targets];
  return targets.flatMap((target) => prompts.map((variant) => ({ ...target, prompt_name: variant.name })));
}

/** What of a stored study says which template each target's tasks go through. */
export interface TemplatedStudy {
  template: string | null;
  targetsJson: readonly StudyTarget[];
  optionsJson: Record<string, unknown>;
}

export const studyPromptVariants = (study: Pick<TemplatedStudy, 'optionsJson'>): PromptVariant[] => (study.optionsJson.prompts as PromptVariant[] | undefined) ?? [];

/** The template of each target, by index: its variant's, or the study's one template (or none). */
export function targetTemplates(study: TemplatedStudy): Array<string | null> {
  const byName = new Map(studyPromptVariants(study).map((variant) => [variant.name, variant.template]));
  return study.targetsJson.map((target) => (target.prompt_name !== undefined ? (byName.get(target.prompt_name) ?? null) : study.template));
}

/** The template of one target (a runner's task): its variant's, or the study's. */
export function targetTemplate(study: TemplatedStudy, targetIndex: number): string | null {
  const name = study.targetsJson[targetIndex]?.prompt_name;
  if (name === undefined) return study.template;
  return studyPromptVariants(study).find((variant) => variant.name === name)?.template ?? null;
}

/** Where an item is shown apart from any target (the matrix's prompt column): the study's template, or its first variant's. */
export const itemTemplate = (study: Pick<TemplatedStudy, 'template' | 'optionsJson'>): string | null => study.template ?? studyPromptVariants(study)[0]?.template ?? null;
