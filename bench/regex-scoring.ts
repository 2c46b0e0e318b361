// Issue 21: "Scoring 100,000 answers with a regex scorer on the new engine: throughput within 2× of
// today's JavaScript regex." The same realistic patterns over the same 100,000 answers, in one run:
// the regex scorer as it was (a native RegExp, here compiled once, which is kinder to it than the
// per-answer compile it had) and scoreAnswer as it is (re2js). Both must agree on every answer.
// Then, informational: the slowest single answer of the hostile patterns on 10,000-character answers.
import { parseScorerConfig, scoreAnswer, type DeterministicScorerConfig, type ScoreResult } from '../src/studies/scorers/scorers';
import { MAX_REGEX_INPUT_CHARS } from '../src/patterns/user-regex';
import { exitWith, isMain, verdict, type BenchResult } from './support';

const ANSWERS = Number(process.env.BENCH_REGEX_ANSWERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_REGEX_ROUNDS ?? 3);
const TARGET_RATIO = 2;

const PATTERNS: Array<{ pattern: string; flags: string }> = [
  { pattern: 'answer is (\\w+)', flags: '' },
  { pattern: '^(yes|no)\\b', flags: 'i' },
  { pattern: '\\b\\d+(\\.\\d+)?\\b', flags: '' },
];

const WORDS = (
  'the of and to in is that it was for on are as with his they at be this from I have or by one had not but what all were when we there ' +
  'can an your which their said if do will each about how up out them then she many some so these would other into has more her two like ' +
  'him see time could no make than first been its who now people my made over did down only way find use may water long little very after'
).split(' ');

/** Answers of 20-170 words (about 420 characters): a third state "the answer is N", a quarter open with yes or no, a fifth hold a decimal. */
function answers(count: number): string[] {
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 20 + Math.floor(random() * 150) }, () => WORDS[Math.floor(random() * WORDS.length)]!);
    if (i % 3 === 0) words.push('so the answer is', String(i % 97));
    if (i % 4 === 0) words.unshift(i % 8 ? 'Yes,' : 'no');
    if (i % 5 === 0) words.splice(5, 0, (i / 7).toFixed(2));
    return `${words.join(' ')}.`;
  });
}

/** The regex scorer before issue 21, minus its per-answer compile and nested-repetition scan. */
function nativeScorer(pattern: string, flags: string): (answer: string) => ScoreResult {
  const regex = new RegExp(pattern, flags);
  return (answer) => {
    const truncated = answer.length > MAX_REGEX_INPUT_CHARS;
    const match = regex.exec(truncated ? answer.slice(0, MAX_REGEX_INPUT_CHARS) : answer);
    return { value: match ? 1 : 0, label: match?.[0] ?? null, pass: match !== null, detail: truncated ? { input_truncated: true } : {} };
  };
}

/** Best of `rounds` passes over the answers, in seconds, and the results of the last. */
function timeScoring(score: (answer: string) => ScoreResult, texts: string[], rounds: number): { seconds: number; results: ScoreResult[] } {
  let best = Infinity;
  let results: ScoreResult[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    results = texts.map(score);
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return { seconds: best, results };
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(): Promise<BenchResult[]> {
  const texts = answers(ANSWERS);
  const results: BenchResult[] = [];
  let nativeTotal = 0;
  let engineTotal = 0;
  for (const { pattern, flags } of PATTERNS) {
    const config = parseScorerConfig({ type: 'regex', pattern, flags }) as DeterministicScorerConfig;
    const native = nativeScorer(pattern, flags);
    const engine = (answer: string) => scoreAnswer(config, answer);
    // Interleaved warm-up, so neither runs on a colder JIT.
    timeScoring(native, texts.slice(0, 5_000), 1);
    timeScoring(engine, texts.slice(0, 5_000), 1);
    const before = timeScoring(native, texts, ROUNDS);
    const after = timeScoring(engine, texts, ROUNDS);
    const disagreements = texts.filter((_, i) => before.results[i]!.label !== after.results[i]!.label).length;
    if (disagreements > 0) throw new Error(`/${pattern}/${flags}: the engines disagree on ${disagreements} answers`);
    nativeTotal += before.seconds;
    engineTotal += after.seconds;
    const ratio = after.seconds / before.seconds;
    const metrics = {
      answers: texts.length,
      matched: after.results.filter((r) => r.pass).length,
      native_answers_per_s: Math.round(texts.length / before.seconds),
      re2js_answers_per_s: Math.round(texts.length / after.seconds),
      ratio: round(ratio, 2),
    };
    const result = {
      name: `regex scorer /${pattern}/${flags}: re2js vs native RegExp, ${texts.length.toLocaleString('en-US')} answers`,
      metrics,
      target: `throughput within ${TARGET_RATIO}× of native: ${metrics.re2js_answers_per_s.toLocaleString('en-US')} vs ${metrics.native_answers_per_s.toLocaleString('en-US')} answers/s (${metrics.ratio}× slower)`,
      pass: ratio <= TARGET_RATIO,
    };
    console.log(verdict(result));
    results.push(result);
  }
  const overall = engineTotal / nativeTotal;
  const all = {
    name: `regex scorer, the ${PATTERNS.length} patterns together: re2js vs native RegExp`,
    metrics: { answers: texts.length * PATTERNS.length, native_seconds: round(nativeTotal, 3), re2js_seconds: round(engineTotal, 3), ratio: round(overall, 2) },
    target: `throughput within ${TARGET_RATIO}× of native: ${round(engineTotal, 2)} s vs ${round(nativeTotal, 2)} s (${round(overall, 2)}× slower)`,
    pass: overall <= TARGET_RATIO,
  };
  console.log(verdict(all));
  results.push(all);
  results.push(hostileAnswers());
  return results;
}

/** The slowest single answer the hostile patterns cost, as regex scorers and extractions over 10,000 characters. */
function hostileAnswers(): BenchResult {
  const text = `${'a'.repeat(MAX_REGEX_INPUT_CHARS - 1)}!`;
  let slowest = 0;
  let slowestPattern = '';
  for (const pattern of ['(a|a)*$', '(a|aa)+$', '(a+){5}$', '(.*a){20}$', '(\\w|\\d|[a-z]|.){1,200}!', '\\p{L}{300}!']) {
    for (const config of [{ type: 'regex', pattern, flags: 'u' }, { type: 'exact', extract: { type: 'regex', pattern, flags: 'u' } }]) {
      const scorer = parseScorerConfig(config) as DeterministicScorerConfig;
      scoreAnswer(scorer, text.slice(0, 500), 'x');
      const started = performance.now();
      scoreAnswer(scorer, text, 'x');
      const ms = performance.now() - started;
      if (ms > slowest) [slowest, slowestPattern] = [ms, `${config.type} ${pattern}`];
    }
  }
  const result = {
    name: 'regex scorer: the slowest single 10,000-character answer of the hostile patterns',
    metrics: { slowest_ms: round(slowest) },
    target: `informational: ${round(slowest)} ms (${slowestPattern})`,
    pass: null,
  };
  console.log(verdict(result));
  return result;
}

if (isMain(import.meta.url)) exitWith(await run());
