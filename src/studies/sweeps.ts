// Sweeps: a grid of sampling parameters expanded into targets before a study is created, so each
// combination is a target like any other — run, shown and compared the same way.

export type Sweep = Record<string, ReadonlyArray<unknown>>;

/** Grid combinations one study may take (targets × combinations is bounded again by the targets limit). */
export const MAX_SWEEP_COMBINATIONS = 64;
/** Targets a study may have once its sweep is expanded. */
export const MAX_STUDY_TARGETS = 100;

/** A parameter a sweep may name: letters, digits and _, and never a name of an object's own machinery. */
const PARAMETER_NAME = /^\w{1,64}$/;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `name` cannot be swept, or undefined when it can. */
export function sweepNameProblem(name: string): string | undefined {
  if (!PARAMETER_NAME.test(name)) return 'parameter names are letters, digits and _, at most 64';
  if (RESERVED_NAMES.has(name)) return `"${name}" is not a sampling parameter`;
  return undefined;
}

export function sweepCombinationCount(sweep: Sweep): number {
  return Object.values(sweep).reduce((count, values) => count * values.length, 1);
}

/**
 * Every combination of the grid, the first parameter varying slowest:
 * {temperature: [0, 1], top_p: [1, 0.9]} → t0·p1, t0·p0.9, t1·p1, t1·p0.9.
 */
export function sweepCombinations(sweep: Sweep): Array<Record<string, unknown>> {
  let combinations: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(sweep)) {
    combinations = combinations.flatMap((combination) => values.map((value) => ({ ...combination, [key]: value })));
  }
  return combinations;
}

export interface SweepableTarget {
  provider: string;
  model: string;
  params: Record<string, unknown>;
}

/**
 * Each target once per combination, in target order. A swept value overrides the target's own
 * param of that name; `sweep` records the combination so the target can be labelled and sliced.
 */
export function expandSweep<T extends SweepableTarget>(targets: readonly T[], sweep: Sweep | undefined): Array<T & { sweep?: Record<string, unknown> }> {
  if (!sweep || Object.keys(sweep).length === 0) return [...targets];
  const combinations = sweepCombinations(sweep);
  return targets.flatMap((target) => combinations.map((combination) => ({ ...target, params: { ...target.params, ...combination }, sweep: combination })));
}

type LabelledTarget = { provider: string; model: string; sweep?: Record<string, unknown>; prompt_name?: string };

/** A target as people read it: provider/model, its sweep values when it has some, and its prompt variant. */
export function targetLabel(target: LabelledTarget): string {
  const variant = target.prompt_name !== undefined ? ` · ${target.prompt_name}` : '';
  const base = `${target.provider}/${target.model}`;
  if (!target.sweep) return base + variant;
  const values = Object.entries(target.sweep).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${base} · ${values.join(' ')}${variant}`;
}

/**
 * Labels for a study's targets, made distinct: two targets that read the same (same provider,
 * model and sweep, different params) get their position appended.
 */
export function targetLabels(targets: ReadonlyArray<LabelledTarget>): string[] {
  const labels = targets.map(targetLabel);
  const seen = new Map<string, number>();
  labels.forEach((label) => { seen.set(label, (seen.get(label) ?? 0) + 1); });
  return labels.map((label, i) => (seen.get(label)! > 1 ? `${label} #${i + 1}` : label));
}

/**
 * The sweep of the Studies form: one parameter per line, `name = value, value, …`. Values that read
 * as JSON numbers, booleans or null are those; anything else is a string.
 */
export function parseSweepLines(text: string): Record<string, unknown[]> | undefined {
  const sweep = new Map<string, { line: number; values: unknown[] }>();
  for (const [i, raw] of text.split(/\r\n|\r|\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new SyntaxError(`sweep line ${i + 1}: write it as name = value, value`);
    const key = line.slice(0, eq).trim();
    const problem = sweepNameProblem(key);
    if (problem) throw new SyntaxError(`sweep line ${i + 1}: ${JSON.stringify(key)}: ${problem}`);
    const earlier = sweep.get(key);
    if (earlier) throw new SyntaxError(`sweep line ${i + 1}: ${key} is swept on line ${earlier.line} already; give all its values there`);
    const values = line
      .slice(eq + 1)
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value !== '')
      .map(readSweepValue);
    sweep.set(key, { line: i + 1, values });
  }
  return sweep.size ? Object.fromEntries([...sweep].map(([key, { values }]) => [key, values])) : undefined;
}

function readSweepValue(value: string): unknown {
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === 'null') return null;
  return value;
}
