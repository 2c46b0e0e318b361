// What a study would take before it runs: tasks, tokens, cost and time, from the prompts, each model's
// captured history and the price table. Nothing is stored and no provider is called.
import { timeSlicer } from '../../concurrency/time-slice';
import type { StudyTarget } from '../../db/schema';
import { AppError } from '../../errors';
import type { InferenceContext } from '../../inference/service';
import { scanText } from '../../inference/prompt-fill';
import { checkStudyPrompts, checkStudyTasks } from '../../limits';
import type { StudyInput } from '../../schemas/study-requests';
import { studyTargets } from '../study-targets';
import { targetFacts, type PricingContext } from './cost-plan';
import { DEFAULT_LATENCY_MS, expectedOutputTokens, inputTokens, tokensCostUsd } from './task-cost';

/** How input tokens are estimated (said in every estimate). */
export const INPUT_TOKENS_METHOD = 'UTF-8 bytes of each filled-in prompt / 4';

/** The items a study runs: its first dry_run_items for a dry run. */
export const itemsToRun = <T>(input: { items: T[]; dry_run_items?: number }): T[] =>
  input.dry_run_items === undefined ? input.items : input.items.slice(0, input.dry_run_items);

export async function estimateStudy(ctx: InferenceContext, input: StudyInput) {
  const targets = studyTargets(ctx.providers, input);
  const items = itemsToRun(input);
  checkStudyTasks(ctx.limits, { items: items.length, targets: targets.length, samples: input.samples });
  const variants = input.prompts?.map((variant) => variant.template);
  await checkStudyPrompts(ctx.limits, { items, template: input.template, templates: variants, tasksPerItem: targets.length * input.samples });
  // Input tokens of one sample of every item, per template: the study's one, or each prompt variant's.
  const templates = input.prompts?.map((variant) => ({ name: variant.name as string | undefined, scanned: scanText(variant.template) })) ?? [
    { name: undefined, scanned: input.template ? scanText(input.template) : null },
  ];
  const slice = timeSlicer();
  const inputPerSample = new Map<string | undefined, number>(templates.map((t) => [t.name, 0]));
  for (const item of items) {
    await slice();
    for (const t of templates) inputPerSample.set(t.name, inputPerSample.get(t.name)! + inputTokens(item, t.scanned));
  }
  const facts = await targetFacts(ctx, targets);
  const tasksPerTarget = items.length * input.samples;
  const byTarget = targets.map((target, index) => {
    const { price, history } = facts[index]!;
    const output = expectedOutputTokens(target.params, history);
    const inputTotal = (inputPerSample.get(target.prompt_name) ?? 0) * input.samples;
    const outputTotal = Math.round(output.tokens * tasksPerTarget);
    const latency = history.meanLatencyMs ?? DEFAULT_LATENCY_MS;
    return {
      index,
      provider: target.provider,
      model: target.model,
      ...(target.sweep ? { sweep: target.sweep } : {}),
      ...(target.prompt_name !== undefined ? { prompt_name: target.prompt_name } : {}),
      tasks: tasksPerTarget,
      input_tokens: inputTotal,
      output_tokens_per_task: round(output.tokens, 1),
      output_tokens: outputTotal,
      basis: output.basis,
      history_calls: history.calls,
      cost_usd: price ? roundUsd(tokensCostUsd(price, inputTotal, outputTotal)) : null,
      cost_reason: price ? null : `no price for ${target.provider}/${target.model}: add one (POST /api/v1/prices)`,
      latency_ms: round(latency, 1),
      latency_basis: history.meanLatencyMs === null ? ('default' as const) : ('history' as const),
    };
  });
  const unpriced = byTarget.filter((t) => t.cost_usd === null);
  const work = byTarget.reduce((sum, t) => sum + t.tasks * t.latency_ms, 0);
  return {
    tasks: tasksPerTarget * targets.length,
    items: items.length,
    targets: targets.length,
    samples: input.samples,
    dry_run_items: input.dry_run_items ?? null,
    input_tokens: byTarget.reduce((sum, t) => sum + t.input_tokens, 0),
    input_tokens_method: INPUT_TOKENS_METHOD,
    output_tokens: byTarget.reduce((sum, t) => sum + t.output_tokens, 0),
    cost_usd: unpriced.length ? null : roundUsd(byTarget.reduce((sum, t) => sum + t.cost_usd!, 0)),
    cost_reason: unpriced.length ? `no price for ${unpriced.map((t) => `target ${t.index} (${t.provider}/${t.model})`).join(', ')}` : null,
    budget_usd: input.budget_usd ?? null,
    concurrency: input.concurrency,
    duration_s: round(work / input.concurrency / 1000, 1),
    duration_basis: byTarget.every((t) => t.latency_basis === 'history')
      ? 'mean latency of each model\'s captured calls × tasks / concurrency'
      : `tasks / concurrency × mean captured latency, ${DEFAULT_LATENCY_MS} ms for a model with no captured calls`,
    by_target: byTarget,
  };
}

export type StudyEstimate = Awaited<ReturnType<typeof estimateStudy>>;

/**
 * A cap is kept by pricing each task before it starts: a target with no price would run unpriced,
 * its calls never counted. Refused (400, naming the field) before anything is stored.
 */
export async function checkBudgetPriced(ctx: PricingContext, targets: readonly StudyTarget[], path = 'budget_usd') {
  const facts = await targetFacts(ctx, targets);
  const unpriced = targets.findIndex((_, i) => !facts[i]!.price);
  if (unpriced === -1) return;
  const target = targets[unpriced]!;
  throw new AppError(400, 'invalid_request', `${path}: target ${unpriced} (${target.provider}/${target.model}) has no price, so its calls could not be counted against a cap: add a price (POST /api/v1/prices) first`, [
    { path, message: `target ${unpriced} has no price` },
  ]);
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const roundUsd = (usd: number) => round(usd, 6);
