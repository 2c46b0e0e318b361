// What one request may cost, checked before any work is done (nothing is called, stored or created
// for a request over a ceiling). Each refusal names the variable that sets the ceiling.
import type { Limits } from './config';
import { timeSlicer, type Slicer } from './concurrency/time-slice';
import { AppError } from './errors';
import type { ChatMessage } from './providers/types';
import { filledPromptBytes, filledPromptSizes, messagesBytes, scanText, type LargestPart, type PromptParts, type PromptSize } from './inference/prompt-fill';

export const limitExceeded = (path: string, message: string, variable: string) =>
  new AppError(400, 'limit_exceeded', `${path}: ${message} (the limit is set by ${variable})`, [{ path, message, limit: variable }]);

const n = (value: number) => value.toLocaleString('en-US');

/** The dimension assumed for a model whose dimension is neither asked for nor known yet (OpenAI's most common). */
export const ASSUMED_EMBEDDING_DIMENSION = 1_536;

/** Texts, dimensions and the floats they make (texts × dimensions). */
export function checkEmbeddingCost(limits: Limits, request: { texts: number; dimensions?: number; knownDimension?: number }, field = 'texts') {
  if (request.texts > limits.embeddingInputs) {
    throw limitExceeded(field, `${n(request.texts)} texts; at most ${n(limits.embeddingInputs)} per request`, 'MAX_EMBEDDING_INPUTS');
  }
  if (request.dimensions !== undefined && request.dimensions > limits.embeddingDimensions) {
    throw limitExceeded('dimensions', `${n(request.dimensions)}; at most ${n(limits.embeddingDimensions)}`, 'MAX_EMBEDDING_DIMENSIONS');
  }
  const dimension = request.dimensions ?? request.knownDimension ?? ASSUMED_EMBEDDING_DIMENSION;
  const floats = request.texts * dimension;
  if (floats > limits.embeddingFloats) {
    throw limitExceeded(
      field,
      `${n(request.texts)} texts × ${n(dimension)} dimensions is ${n(floats)} floats; at most ${n(limits.embeddingFloats)} per request`,
      'MAX_EMBEDDING_FLOATS',
    );
  }
}

/** Prompt bytes × samples: what one inference request stores and sends. */
export function checkInferenceCost(limits: Limits, request: { promptBytes: number; samples: number }) {
  const bytes = request.promptBytes * request.samples;
  if (bytes > limits.inferenceBytes) {
    throw limitExceeded(
      'samples',
      `${n(request.promptBytes)} prompt bytes × ${n(request.samples)} samples is ${n(bytes)} bytes; at most ${n(limits.inferenceBytes)}`,
      'MAX_INFERENCE_BYTES',
    );
  }
}

/** A prompt put into an /api/v1/inference template, measured before it is built (see prompt-fill). */
export function checkTemplatedPrompt(limits: Limits, template: string, prompt: string) {
  const size = filledPromptBytes({ prompt }, scanText(template));
  if (size.bytes > limits.inferenceBytes) {
    const cause = size.largest ? `; ${partText(size.largest)}` : '';
    throw limitExceeded('template', `the prompt in the template is ${n(size.bytes)} bytes${cause}; at most ${n(limits.inferenceBytes)}`, 'MAX_INFERENCE_BYTES');
  }
}

export function checkStudyTasks(limits: Limits, counts: { items: number; targets: number; samples: number }) {
  const tasks = counts.items * counts.targets * counts.samples;
  if (tasks > limits.studyTasks) {
    throw limitExceeded('items', `items × targets × samples is ${n(tasks)}; at most ${n(limits.studyTasks)} per study`, 'MAX_BATCH_TASKS');
  }
}

export interface StudyPromptItem extends PromptParts {
  id?: string;
  messages?: ChatMessage[] | null;
}

/**
 * Each item's filled-in prompt (template × vars × prompt, see prompt-fill) against the per-call
 * ceiling of /api/v1/inference, and every task's together against the study's — measured, not
 * built, a slice at a time. `tasksPerItem` is an item's tasks, targets (after the sweep and prompt
 * variants) × samples: each sends and stores its prompt. With prompt variants (`templates`), every item
 * is measured through each one, and a variant's prompt counts for its share of the tasks.
 */
export async function checkStudyPrompts(
  limits: Limits,
  study: { items: readonly StudyPromptItem[]; template?: string | null; templates?: readonly string[]; tasksPerItem: number },
  slice: Slicer = timeSlicer(),
) {
  const templates = study.templates?.length ? study.templates.map(scanText) : [study.template ? scanText(study.template) : null];
  const variants = study.templates?.length ? study.templates.length : 1;
  const tasks = study.tasksPerItem;
  const tasksPerVariant = tasks / variants;
  let total = 0;
  for (const [i, item] of study.items.entries()) {
    await slice();
    // A conversation is sent as it is, whatever the variant: the same size through each.
    const conversation: PromptSize | undefined = item.messages ? { bytes: messagesBytes(item.messages) } : undefined;
    const sizes = conversation ? templates.map(() => conversation) : filledPromptSizes(item, templates);
    for (const [v, size] of sizes.entries()) {
      if (size.bytes > limits.inferenceBytes) {
        const named = item.id !== undefined ? ` ("${item.id}")` : '';
        const through = variants > 1 ? ` through prompt variant ${v + 1}` : '';
        const cause = size.largest ? `; ${partText(size.largest)}` : '';
        throw limitExceeded(`items.${i}`, `item ${i + 1}${named}: its filled-in prompt${through} is ${n(size.bytes)} bytes${cause}; at most ${n(limits.inferenceBytes)} per task`, 'MAX_INFERENCE_BYTES');
      }
      total += size.bytes * tasksPerVariant;
    }
    if (total > limits.studyPromptBytes) {
      const each = variants > 1 ? `${n(tasks)} tasks each (targets × samples × ${variants} prompt variants)` : `${n(tasks)} tasks each (targets × samples)`;
      throw limitExceeded('items', `the prompts of items 1–${i + 1} × ${each} already come to ${n(total)} bytes; at most ${n(limits.studyPromptBytes)} per study`, 'MAX_STUDY_PROMPT_BYTES');
    }
  }
}

const partText = (part: LargestPart) =>
  `{${part.placeholder}} appears ${n(part.count)} time${part.count === 1 ? '' : 's'} in the ${part.where}, filled with ${n(part.bytes)} bytes each`;

/** Rows of an upload (or pasted prompts), counted as its parser will read them and before it does (see study-items). */
export function checkUploadRows(limits: Limits, rows: number) {
  if (rows > limits.uploadRows) {
    throw limitExceeded('file', `more than ${n(limits.uploadRows)} rows`, 'MAX_UPLOAD_ROWS');
  }
}
