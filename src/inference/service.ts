// The inference service: resolve the target, preprocess the prompt, run n samples, capture each.
import type { Limits } from '../config';
import { AppError } from '../errors';
import { addGroupMembers } from '../groups/repository';
import type { ProviderRegistry } from '../providers/registry';
import type { ChatMessage, ChatParams, Provider } from '../providers/types';
import type { CallSummary, CaptureContext } from '../capture/capture';
import { runChatCall } from '../capture/provider-call';
import { openGroup } from '../groups/service';
import { checkInferenceCost, checkTemplatedPrompt } from '../limits';
import { timeSlicer } from '../concurrency/time-slice';
import { applyTemplate, preprocessPrompt, type PreprocessOptions } from './preprocess';

export interface InferenceContext extends CaptureContext {
  providers: ProviderRegistry;
  /** What one request may cost (MAX_* variables). */
  limits: Limits;
}

export interface InferenceInput {
  provider: string;
  model?: string;
  prompt?: string;
  messages?: ChatMessage[];
  template?: string;
  params?: ChatParams;
  preprocess?: PreprocessOptions;
  samples?: number;
  group_id?: number;
  metadata?: Record<string, unknown>;
  /** Let identical samples share one provider call (off: each sample index is its own call). */
  collapse_samples?: boolean;
}

/** Where the request came from (its request id), recorded on each call. */
export interface InferenceOrigin {
  requestId?: string;
}

export function resolveProvider(providers: ProviderRegistry, name: string): Provider {
  const provider = providers.get(name);
  if (!provider) {
    const known = providers.list().map((p) => p.name).join(', ');
    throw new AppError(400, 'unknown_provider', `provider: unknown provider "${name}" (configured: ${known})`, [
      { path: 'provider', message: `unknown provider "${name}"` },
    ]);
  }
  return provider;
}

/**
 * Applies preprocessing to user messages (and the template to the last one); reports what changed.
 * With `limits`, the templated prompt is measured before it is built (a template repeating
 * {user_input} thousands of times over a long prompt is refused, not made).
 */
export function prepareMessages(input: Pick<InferenceInput, 'prompt' | 'messages' | 'template' | 'preprocess'>, limits?: Limits) {
  const messages: ChatMessage[] = input.messages
    ? input.messages.map((m) => ({ ...m }))
    : [{ role: 'user', content: input.prompt ?? '' }];
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const applied = new Set<string>();
  const original: ChatMessage[] = input.messages ?? [{ role: 'user', content: input.prompt ?? '' }];
  messages.forEach((message, i) => {
    if (message.role !== 'user' || typeof message.content !== 'string') return;
    const result = preprocessPrompt(message.content, input.preprocess ?? {});
    result.applied.forEach((step) => { applied.add(step); });
    message.content = result.text;
    if (i !== lastUser || input.template === undefined) return;
    if (limits) checkTemplatedPrompt(limits, input.template, result.text);
    message.content = applyTemplate(result.text, input.template);
    if (message.content !== result.text) applied.add('template');
  });
  const preprocessing = applied.size ? { applied: [...applied], original_messages: original } : undefined;
  return { messages, preprocessing };
}

export async function runInference(ctx: InferenceContext, input: InferenceInput, from: InferenceOrigin = {}): Promise<CallSummary[]> {
  const provider = resolveProvider(ctx.providers, input.provider);
  const { messages, preprocessing } = prepareMessages(input, ctx.limits);
  const samples = input.samples ?? 1;
  checkInferenceCost(ctx.limits, { promptBytes: utf8Bytes(JSON.stringify(messages)), samples });
  if (input.group_id !== undefined) await openGroup(ctx.db, input.group_id);
  const model = input.model ?? provider.defaultModel;
  // The samples run side by side; starting them is sliced, so a hundred big ones never hold the loop.
  const slice = timeSlicer();
  const running: Array<Promise<CallSummary>> = [];
  for (let sampleIndex = 0; sampleIndex < samples; sampleIndex++) {
    await slice();
    const call = runChatCall(ctx, {
      provider,
      model,
      messages,
      params: input.params ?? {},
      dedupScope: input.collapse_samples ? undefined : sampleIndex,
      origin: { requestId: from.requestId, clientApi: 'inference' },
      metadata: {
        ...input.metadata,
        source: 'inference',
        ...(samples > 1 ? { sample_index: sampleIndex, samples } : {}),
        ...(preprocessing ? { preprocessing } : {}),
        ...(input.group_id !== undefined ? { group_id: input.group_id } : {}),
      },
    });
    // Handled here already, so a sample that fails while later ones are still starting is no unhandled rejection.
    call.catch(() => undefined);
    running.push(call);
  }
  const calls = await Promise.all(running);
  if (input.group_id !== undefined) await addGroupMembers(ctx.db, input.group_id, calls.map((c) => c.id), 'sample');
  return calls;
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;
