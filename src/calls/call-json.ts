// How a captured call looks in the API: snake_case, JSON columns as objects.
import type { RawCall } from '../db/schema';
import { normalizedResponse } from '../capture/answer-shape';

export function callSummaryJson(row: RawCall) {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    modality: row.modality,
    status: row.status,
    latency_ms: row.latencyMs,
    total_tokens: row.totalTokens,
    cost_usd: row.costUsd,
    created_at: row.createdAt,
    prompt_preview: preview(promptText(row.requestJson)),
    response_preview: preview(typeof row.responseJson?.text === 'string' ? row.responseJson.text : null),
    error_class: typeof row.errorJson?.class === 'string' ? row.errorJson.class : null,
  };
}

export function callJson(row: RawCall) {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    served_model: row.servedModel,
    system_fingerprint: row.systemFingerprint,
    modality: row.modality,
    status: row.status,
    request: row.requestJson,
    response: normalizedResponse(row.responseJson),
    error: row.errorJson,
    latency_ms: row.latencyMs,
    tokens: row.tokensJson,
    cost_usd: row.costUsd,
    request_hash: row.requestHash,
    metadata: row.metadataJson,
    request_id: row.requestId,
    client_api: row.clientApi,
    batch_task_id: row.batchTaskId,
    conversation_id: row.conversationId,
    created_at: row.createdAt,
  };
}

export function promptText(request: Record<string, unknown>): string | null {
  const messages = request.messages;
  if (Array.isArray(messages)) {
    const last = [...messages].reverse().find((m) => m?.role === 'user') ?? messages[messages.length - 1];
    return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  }
  const input = request.input ?? request.prompt;
  if (typeof input === 'string') return input;
  return Array.isArray(input) ? input.join(' | ') : null;
}

const preview = (text: string | null, max = 160) => (text == null ? null : text.length > max ? `${text.slice(0, max)}…` : text);
