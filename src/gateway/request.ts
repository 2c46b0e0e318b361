// What every gateway request carries besides its body: JSON read and checked before any work, the
// study headers (x-study-*), and the options a captured call gets from them.
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../app-env';
import { findOrCreateGroup } from '../groups/repository';
import type { AppDeps } from '../deps';
import { reservedKeyMessage, reservedMetadataKey } from '../capture/call-metadata';
import type { CallPlan, ClientApi } from '../capture/call-plan';
import { assertOpenGroup } from '../groups/service';
import { controllerFollowing } from '../capture/lifecycle';
import type { PreprocessOptions } from '../inference/preprocess';
import { findDepthProblem, MAX_JSON_DEPTH } from '../capture/storable-json';
import { GatewayError, invalidRequest } from './errors';

/** The JSON body, checked as OpenAI would: refused before any work if it is not JSON, too deep, or invalid. */
export async function readBody<Schema extends z.ZodType>(c: Context<AppEnv>, schema: Schema): Promise<z.infer<Schema>> {
  // What a web page can send without asking (a no-cors text/plain or form post) is never taken for JSON.
  if (!/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(c.req.header('content-type') ?? '')) {
    throw new GatewayError(415, 'Send the request body as JSON, with Content-Type: application/json.', 'invalid_request_error', 'unsupported_media_type');
  }
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw invalidRequest(null, 'We could not parse the JSON body of your request.', 'invalid_json');
  }
  // Checked before anything else: what cannot be stored is never sent to a provider.
  const tooDeep = findDepthProblem(json);
  if (tooDeep) {
    const param = tooDeep.path.map(String).join('.') || null;
    throw invalidRequest(param, `nested deeper than ${MAX_JSON_DEPTH} levels`, 'too_deeply_nested');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = issue.path.map(String).join('.') || null;
  throw invalidRequest(param, issue.message, 'invalid_value');
}

export interface StudyHeaders {
  metadata: Record<string, unknown>;
  group?: string;
  preprocess?: PreprocessOptions;
  /** x-study-dedup: 1 — share identical requests in flight, as the JSON API does. */
  dedup: boolean;
  /** x-study-cache: embeddings — answer from the embedding cache. */
  cache: boolean;
}

/**
 * x-study-metadata (a JSON object), x-study-group (id or name), x-study-preprocess (steps,
 * comma-separated), x-study-dedup (1), x-study-cache (embeddings).
 */
export function studyHeaders(c: Context<AppEnv>): StudyHeaders {
  const headers: StudyHeaders = { metadata: {}, dedup: false, cache: false };
  const metadata = c.req.header('x-study-metadata');
  if (metadata !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidHeader('x-study-metadata', 'must be a JSON object');
    if (findDepthProblem(parsed)) throw invalidHeader('x-study-metadata', `nested deeper than ${MAX_JSON_DEPTH} levels`);
    const reserved = reservedMetadataKey(parsed as Record<string, unknown>);
    if (reserved) throw invalidHeader('x-study-metadata', reservedKeyMessage(reserved));
    headers.metadata = parsed as Record<string, unknown>;
  }
  const group = c.req.header('x-study-group')?.trim();
  if (group !== undefined) {
    if (group === '' || group.length > 200) throw invalidHeader('x-study-group', 'must be a group id or a name of 1-200 characters');
    headers.group = group;
  }
  const preprocess = c.req.header('x-study-preprocess');
  if (preprocess?.trim()) headers.preprocess = preprocessSteps(preprocess);
  const dedup = c.req.header('x-study-dedup')?.trim();
  if (dedup !== undefined && dedup !== '0' && dedup !== '1') throw invalidHeader('x-study-dedup', 'must be 1 (share identical requests in flight) or 0');
  headers.dedup = dedup === '1';
  const cache = c.req.header('x-study-cache')?.trim();
  if (cache !== undefined && cache !== 'embeddings') throw invalidHeader('x-study-cache', 'the only cache is "embeddings"');
  headers.cache = cache === 'embeddings';
  return headers;
}

function preprocessSteps(header: string): PreprocessOptions {
  const options: PreprocessOptions = {};
  for (const step of header.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = step.split('=').map((s) => s.trim());
    if (name === 'whitespace' && value === undefined) options.whitespace = true;
    else if (name === 'remove_pii' && value === undefined) options.remove_pii = true;
    else if (name === 'max_chars' && value && /^[1-9]\d{0,8}$/.test(value)) options.max_chars = Number(value);
    else throw invalidHeader('x-study-preprocess', `unknown step "${step}" (steps: whitespace, remove_pii, max_chars=N)`);
  }
  return options;
}

const invalidHeader = (header: string, message: string) => invalidRequest(header, message, 'invalid_header');

/**
 * The controller the client's leaving aborts. On Node the response's 'close' before it was sent says
 * so: @hono/node-server builds the request's AbortSignal only when asked for it, and on Node 20 a
 * signal and its listener cost more than a chat call's whole routing. Elsewhere (Workers, app.request)
 * the request's signal.
 */
function abortedWhenClientLeaves(c: Context<AppEnv>): AbortController {
  const outgoing = (c.env as { outgoing?: Pick<ServerResponse, 'once' | 'writableFinished'> } | undefined)?.outgoing;
  if (typeof outgoing?.once !== 'function') return controllerFollowing(c.req.raw.signal);
  const controller = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller;
}

/**
 * The part of a gateway call's plan its headers decide: metadata (x-study-metadata, source, user
 * agent, preprocessing, group id), the x-study-group it joins, the controller the client's leaving
 * aborts, and its origin.
 */
export type GatewayCallOptions = Required<Pick<CallPlan, 'metadata' | 'controller' | 'origin'>> & Pick<CallPlan, 'groupId'>;

/** Everything a call needs besides its body. The group is looked up (or created) only when asked for. */
export async function callOptions(
  c: Context<AppEnv>,
  deps: AppDeps,
  headers: StudyHeaders,
  clientApi: ClientApi,
  extra: Record<string, unknown> = {},
): Promise<GatewayCallOptions> {
  const group = headers.group !== undefined ? await findOrCreateGroup(deps.database.db, deps.scrub(headers.group)) : undefined;
  if (group) assertOpenGroup(group);
  const userAgent = c.req.header('user-agent');
  return {
    metadata: {
      ...headers.metadata,
      source: 'gateway',
      ...(userAgent ? { user_agent: userAgent } : {}),
      ...extra,
      ...(group ? { group_id: group.id } : {}),
    },
    groupId: group?.id,
    controller: abortedWhenClientLeaves(c),
    origin: { requestId: c.get('requestId'), clientApi },
  };
}
