// Scores one page of a study's answers with one scorer version: deterministic scorers in a
// time-sliced loop, the semantic scorer through the embedding cache, the LLM judge as captured calls
// filed into the scorer's judge group.
import pLimit from 'p-limit';
import { addGroupMembers } from '../../groups/repository';
import type { NewScore } from './repository';
import { parseJsonColumn, type AnsweredTask } from '../report/repository';
import type { Slicer } from '../../concurrency/time-slice';
import type { Provider } from '../../providers/types';
import { runChatCall } from '../../capture/provider-call';
import { normalizeEmbeddingText } from '../../embeddings/cache-key';
import type { EmbeddingService } from '../../embeddings/service';
import type { ProviderGates } from '../runner/background-run';
import type { InferenceContext } from '../../inference/service';
import { itemPromptText } from '../item-prompt';
import { parseJudgeVerdict, renderJudgePrompt, semanticScore } from '../scorers/model-scorers';
import { acceptableAnswers, isDeterministicScorer, scoreAndCompare, type ScoreResult, type ScorerConfig } from '../scorers/scorers';

/** Answers are kept for distributions up to this length; longer ones are cut (and counted as one answer if they share the start). */
export const MAX_STORED_ANSWER_CHARS = 1_000;

export interface ScorerVersion {
  name: string;
  version: number;
  configHash: string;
  config: ScorerConfig;
  /** llm_judge: the judge group, and the judging provider resolved before the run started. */
  judgeGroupId?: number;
  judgeProvider?: Provider;
}

export interface ScoringServices {
  ctx: InferenceContext;
  embeddings: () => EmbeddingService;
  studyId: number;
  runId: number;
  templates: Array<string | null>;
  concurrency: number;
  slice: Slicer;
  gates: ProviderGates;
}

export interface PageScores {
  rows: NewScore[];
  unscored: number;
  judgeCalls: number;
}

/** The compared answer as stored: cut to MAX_STORED_ANSWER_CHARS. */
const stored = (answer: string | null) => (answer === null ? null : answer.slice(0, MAX_STORED_ANSWER_CHARS));

export async function scorePage(services: ScoringServices, scorer: ScorerVersion, tasks: AnsweredTask[]): Promise<PageScores> {
  const { config } = scorer;
  if (isDeterministicScorer(config)) {
    const rows: NewScore[] = [];
    for (const task of tasks) {
      await services.slice();
      // One pass over the answer: the score and the value it compared (what votes and distributions count).
      const { result, compared } = scoreAndCompare(config, task.text ?? '', parseJsonColumn<unknown>(task.expected_json));
      rows.push(scoreRow(services, scorer, task, result, stored(compared)));
    }
    return { rows, unscored: rows.filter((r) => r.pass === null).length, judgeCalls: 0 };
  }
  return config.type === 'semantic' ? scoreSemantic(services, scorer, tasks) : scoreByJudge(services, scorer, tasks);
}

function scoreRow(services: ScoringServices, scorer: ScorerVersion, task: AnsweredTask, result: ScoreResult, answer: string | null, judgeCallId?: number): NewScore {
  return {
    callId: task.call_id,
    studyId: services.studyId,
    itemId: task.item_id,
    targetIndex: task.target_index,
    scorer: scorer.name,
    kind: scorer.config.type,
    version: scorer.version,
    configHash: scorer.configHash,
    value: result.value,
    label: result.label === null ? null : result.label.slice(0, MAX_STORED_ANSWER_CHARS),
    pass: result.pass,
    answer,
    detail: result.detail,
    judgeCallId: judgeCallId ?? null,
  };
}

const unscorable = (error: string): ScoreResult => ({ value: null, label: null, pass: null, detail: { error } });

/** Texts embedded per request: far below MAX_EMBEDDING_INPUTS and MAX_EMBEDDING_FLOATS at 3,072 dimensions. */
const SEMANTIC_TEXTS_PER_REQUEST = 256;

/**
 * Cosine similarity of each answer to each acceptable answer, through the embedding cache: a text
 * embedded before (by this scorer or anything else) is not sent again, so re-scoring is free.
 */
async function scoreSemantic(services: ScoringServices, scorer: ScorerVersion, tasks: AnsweredTask[]): Promise<PageScores> {
  const config = scorer.config as Extract<ScorerConfig, { type: 'semantic' }>;
  const wanted = new Set<string>();
  const plans = tasks.map((task) => {
    const answer = normalizeEmbeddingText(task.text ?? '');
    const expected = (acceptableAnswers(parseJsonColumn<unknown>(task.expected_json)) ?? []).map((e) => ({ raw: e, text: normalizeEmbeddingText(e) })).filter((e) => e.text !== '');
    if (answer && expected.length) [answer, ...expected.map((e) => e.text)].forEach((text) => { wanted.add(text); });
    return { task, answer, expected };
  });
  const vectors = new Map<string, Float32Array | { error: string }>();
  const texts = [...wanted];
  for (let start = 0; start < texts.length; start += SEMANTIC_TEXTS_PER_REQUEST) {
    const chunk = texts.slice(start, start + SEMANTIC_TEXTS_PER_REQUEST);
    const result = await services.embeddings().embed({
      provider: config.provider,
      model: config.model,
      texts: chunk,
      return_vectors: true,
      metadata: { scoring_run_id: services.runId, scorer: scorer.name },
    });
    result.embeddings.forEach((item, i) => {
      vectors.set(chunk[i]!, item.vector ? Float32Array.from(item.vector) : { error: `embedding failed (call ${item.call_id}): ${item.error?.message ?? 'unknown error'}` });
    });
  }
  const rows: NewScore[] = [];
  for (const { task, answer, expected } of plans) {
    await services.slice();
    let result: ScoreResult;
    if (!answer) result = unscorable('the answer is empty');
    else if (!expected.length) result = unscorable('no expected answer (a string, a number, or a list of them)');
    else {
      const own = vectors.get(answer)!;
      const failed = [own, ...expected.map((e) => vectors.get(e.text)!)].find((v): v is { error: string } => !(v instanceof Float32Array));
      result = failed
        ? unscorable(failed.error)
        : semanticScore(expected.map((e) => ({ expected: e.raw, similarity: cosine(own as Float32Array, vectors.get(e.text) as Float32Array) })), config.threshold);
    }
    // The text as embedded is what was compared.
    rows.push(scoreRow(services, scorer, task, result, stored(answer)));
  }
  return { rows, unscored: rows.filter((r) => r.pass === null).length, judgeCalls: 0 };
}

function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.NaN;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : Number.NaN;
}

/**
 * One judge call per answer, `concurrency` at a time, each a captured call (source "judge", linked
 * to the call it judged) filed into the scorer's judge group. A 429 pauses every judge call of the
 * run until Retry-After has passed.
 */
async function scoreByJudge(services: ScoringServices, scorer: ScorerVersion, tasks: AnsweredTask[]): Promise<PageScores> {
  const config = scorer.config as Extract<ScorerConfig, { type: 'llm_judge' }>;
  const provider = scorer.judgeProvider!;
  const limit = pLimit(services.concurrency);
  const rows = await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        const text = task.text ?? '';
        const question = itemPromptText(task, services.templates[task.target_index] ?? null);
        const prompt = renderJudgePrompt(config.rubric, { question, answer: text, expected: acceptableAnswers(parseJsonColumn<unknown>(task.expected_json)) });
        const call = await runChatCall(services.ctx, {
          provider,
          model: config.target.model ?? provider.defaultModel,
          messages: [{ role: 'user', content: prompt }],
          params: config.target.params ?? {},
          dedupScope: `judge:${task.call_id}`,
          metadata: {
            source: 'judge',
            judged_call_id: task.call_id,
            judge_group_id: scorer.judgeGroupId,
            scorer: scorer.name,
            scorer_version: scorer.version,
            batch_id: services.studyId,
            scoring_run_id: services.runId,
          },
          retryHooks: services.gates.retryHooks(provider.name),
        });
        await addGroupMembers(services.ctx.db, scorer.judgeGroupId!, [call.id], 'judge');
        const result =
          call.status === 'success'
            ? parseJudgeVerdict(call.text ?? '', config.verdict)
            : unscorable(`the judge call failed: ${call.error?.class ?? 'error'}: ${call.error?.message ?? ''}`.trim());
        return scoreRow(services, scorer, task, result, stored(text), call.id);
      }),
    ),
  );
  return { rows, unscored: rows.filter((r) => r.pass === null && r.value === null).length, judgeCalls: rows.length };
}
