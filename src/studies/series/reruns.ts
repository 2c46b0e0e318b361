// Re-runs: a new run of a stored study — the same items, prompts, scorers and (unless overridden)
// targets and samples — with its own tasks and calls. Everything it records comes from the stored
// study; a caller may change only targets and samples, checked as a new study's are.
import type { StudyTarget } from '../../db/schema';
import { AppError, notFound } from '../../errors';
import { validationError } from '../../http/validation';
import { checkStudyPrompts, checkStudyTasks } from '../../limits';
import { unknownParams } from '../../schemas/chat-param-names';
import type { RerunInput } from '../../schemas/study-rerun';
import type { Sweep } from '../sweeps';
import { createStudy, getStudy } from '../repository';
import { checkBudgetPriced } from '../budget/estimate';
import { configuredProvider } from '../runner/background-run';
import { newRunStamp, studyProgress, type StudyContext } from '../service';
import { expandSweep } from '../sweeps';
import { expandPromptVariants, studyPromptVariants, type PromptVariant } from '../variants/prompt-variants';
import { itemsToRepeat, seriesOf } from './repository';

/** Creates and starts a re-run of `studyId`; `scheduledFor` is the slot when the schedule starts it. Answers its progress. */
export async function rerunStudy(ctx: StudyContext, studyId: number, overrides: RerunInput = {}, scheduledFor?: string) {
  const found = await getStudy(ctx.db, studyId);
  if (!found) throw notFound('study', studyId);
  const { study, group } = found;
  if (study.status === 'creating') throw new AppError(409, 'conflict', `study ${studyId} is still being created: re-run it once it is`);
  const options = study.optionsJson;
  const variants = studyPromptVariants(study);
  const targets = rerunTargets(ctx, study.targetsJson, overrides.targets, options.sweep as Sweep | undefined, variants);
  const primary = options.primary as [number, number] | undefined;
  if (primary && Math.max(...primary) >= targets.length) {
    const path = overrides.targets ? 'targets' : 'primary';
    throw validationError([{ path: [path], message: `the study's primary contrast compares targets ${primary.join(' and ')}; the re-run would have ${targets.length}` }], 'json');
  }
  const samples = overrides.samples ?? study.samples;
  const items = await itemsToRepeat(ctx.db, studyId);
  checkStudyTasks(ctx.limits, { items: items.length, targets: targets.length, samples });
  const templates = variants.length ? variants.map((variant) => variant.template) : undefined;
  await checkStudyPrompts(ctx.limits, {
    items: items.map((item) => ({ id: item.key, ...item })),
    template: study.template,
    templates,
    tasksPerItem: targets.length * samples,
  });
  if (study.budgetUsd !== null) await checkBudgetPriced(ctx, targets);
  const stamp = newRunStamp(ctx.studies);
  const runId = await createStudy(
    ctx.db,
    {
      name: group.name,
      description: group.description ?? undefined,
      targets,
      samples,
      concurrency: study.concurrency,
      template: study.template ?? undefined,
      options,
      items,
      seed: study.runSeed ?? undefined,
      // A capped study's runs are capped too.
      ...(study.budgetUsd !== null ? { budgetUsd: study.budgetUsd } : {}),
      lineage: { rerunOf: studyId, seriesId: seriesOf(study), ...(scheduledFor ? { scheduledFor } : {}) },
    },
    stamp,
  );
  await ctx.studies.launch(runId, stamp.runId);
  return studyProgress(ctx, runId);
}

/** The stored targets, or the given ones resolved as a new study's are (expanded by the study's sweep and prompt variants). */
function rerunTargets(ctx: StudyContext, stored: StudyTarget[], given: RerunInput['targets'], sweep: Sweep | undefined, variants: PromptVariant[]): StudyTarget[] {
  if (!given) {
    stored.forEach((target, i) => {
      configuredProvider(ctx.providers, target.provider, `targets.${i}.provider`);
    });
    return stored;
  }
  if (sweep && !given.every((target) => target.allow_unknown_params)) {
    const problem = unknownParams(Object.keys(sweep), 'on every target')[0];
    if (problem) throw new AppError(400, 'invalid_request', `targets: the study sweeps ${problem.name}, which these targets do not allow: ${problem.message}`);
  }
  const resolved = given.map((target, i) => {
    const provider = configuredProvider(ctx.providers, target.provider, `targets.${i}.provider`);
    return { provider: provider.name, model: target.model ?? provider.defaultModel, params: target.params ?? {} };
  });
  return expandPromptVariants(expandSweep(resolved, sweep), variants);
}
