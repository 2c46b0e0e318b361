// What a captured provider call is made of. Every caller — the JSON API, studies, conversations, the
// gateway's every endpoint, embeddings — describes its call as a CallPlan (a chat caller as a
// ChatCallSpec: the plan with its request still messages and params), and that plan goes unchanged
// through retries, dedup and streaming to its raw_calls row. What the pipeline learns on the way is
// the CallRun, kept beside the plan, never a copy of it.
import type { NewRawCall } from '../db/schema';
import type { ProviderError, TokenUsage } from '../providers/types';
import type { RetryHooks } from './retry';

export interface CallPlan {
  provider: string;
  model: string;
  modality: NewRawCall['modality'];
  /** The request as sent upstream (stored minus configured secrets); with the provider, the call's identity (planHash). */
  request: Record<string, unknown>;
  /** Text for the log line when LOG_PROMPTS=1. */
  promptText?: string;
  /** The caller's and the app's keys of metadata_json (see call-metadata.ts). */
  metadata?: Record<string, unknown>;
  link?: CallLink;
  origin?: CallOrigin;
  /** Once captured, the call joins this group (an open one: checked before the call is made). */
  groupId?: number;

  // How the call is made; none of it is stored.
  /** Aborted when the client goes away (captured as ClientAborted) or by a stopping server. */
  controller?: AbortController;
  retryHooks?: RetryHooks;
  /**
   * Identical requests (provider and full request body) in flight under the same scope share one
   * provider call, each still captured in its own row. A sample's scope is its index, so samples are
   * never collapsed into one call unless the caller asks (then leave it undefined). `null`: never shared.
   */
  dedupScope?: string | number | null;
}

/** What making a planned call found out: stored beside the plan in its row. */
export interface CallRun {
  /** planHash(plan), computed once as the call starts (its dedup key is made from it). */
  requestHash: string;
  outcome: CallOutcome;
  attempts: number;
  elapsedMs: number;
  /** The pipeline's own keys of metadata_json (deduplicated, stream). */
  metadata: Record<string, unknown>;
}

/** What came back from a provider, in the shape every capture path records. */
export type CallOutcome =
  | { ok: true; text: string; tokens: TokenUsage; latencyMs: number; response: Record<string, unknown> }
  | { ok: false; error: ProviderError; extra?: Record<string, unknown> };

/** Bookkeeping links of a captured row: set only by the batch runner and the conversation service. */
export interface CallLink {
  batchTaskId?: number;
  conversationId?: number;
}

/** The APIs a client can call us through: which one a captured call came in by. */
export type ClientApi = 'inference' | 'chat.completions' | 'completions' | 'responses' | 'embeddings';

/** Where a call came from: the HTTP request that made it (x-study-request-id) and the API it used. */
export interface CallOrigin {
  requestId?: string;
  clientApi?: ClientApi;
}
