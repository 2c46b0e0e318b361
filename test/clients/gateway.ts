// The real server (`node dist/server/node.js`, as `npm start` runs it) on 127.0.0.1 over a fresh
// libSQL file, with provider `openai` pointed at the local fake OpenAI server, a chat-only endpoint
// `local` (LLM_ENDPOINT_LOCAL_*) on the same fake, and `echo` — and the captured rows of what a
// client sent, read back through the JSON API as a user would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { startServer, type ServerProcess } from '../support/server';

/**
 * `o3-mini` is a model the clients recognise (a reasoning model: they send `max_completion_tokens`
 * and a `developer` role), kept by name for `openai`; `o4-mini` is one too, answered by `echo`
 * through the Responses translation; the embedding model is the one the clients default to.
 */
export const MODEL_ROUTES = 'o3-mini=openai,o4-mini=echo/echo-1,text-embedding-3-small=openai';

/** The server requires a token, as a shared deployment does: each client sends it as its API key. */
const ACCESS_TOKEN = 'study-clients-lane-token';

export interface CapturedRow {
  id: number;
  provider: string;
  model: string;
  modality: string;
  status: string;
  request: Record<string, any>;
  response: {
    text: string | null;
    finish_reason?: string | null;
    tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    [key: string]: unknown;
  } | null;
  error: { class: string; message: string; partial_text?: string } | null;
  tokens: { prompt?: number; completion?: number; total?: number } | null;
  request_id: string;
  client_api: string;
  metadata: Record<string, unknown>;
}

export interface Gateway {
  /** `http://127.0.0.1:<port>/v1`: the base URL a client is given */
  baseURL: string;
  /** STUDY_ACCESS_TOKEN, which the server requires: a client's API key */
  apiKey: string;
  fake: FakeOpenAI;
  /** Every row captured for one HTTP request (GET /api/v1/calls?request_id=…), whole. */
  rowsOf(requestId: string): Promise<CapturedRow[]>;
  /** How many calls the database holds. */
  callCount(): Promise<number>;
  /**
   * The one row an HTTP request was captured as: fails unless there is exactly one, and unless the
   * database grew by exactly one row since `before` (callCount() taken before the client ran).
   */
  capturedOnce(requestId: string | null | undefined, before: number): Promise<CapturedRow>;
  close(): Promise<void>;
}

export async function startGateway(): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'study-clients-'));
  const fake = await startFakeOpenAI();
  let server: ServerProcess;
  try {
    server = await startServer(
      {
        DATABASE_URL: `file:${join(dir, 'study.db')}`,
        OPENAI_API_KEY: 'sk-clients-lane',
        OPENAI_BASE_URL: fake.url,
        LLM_ENDPOINT_LOCAL_BASE_URL: fake.url,
        LLM_ENDPOINT_LOCAL_MODELS: 'local-model',
        MODEL_ROUTES,
        STUDY_ACCESS_TOKEN: ACCESS_TOKEN,
        RETRY_BASE_DELAY_MS: '5',
        RETRY_MAX_DELAY_MS: '50',
      },
      { prebuilt: true },
    );
  } catch (error) {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const api = async (path: string) => {
    const res = await fetch(`${server.base}${path}`, { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const rowsOf = async (requestId: string): Promise<CapturedRow[]> => {
    const { calls } = await api(`/api/v1/calls?request_id=${encodeURIComponent(requestId)}&limit=500`);
    return Promise.all(calls.map(async ({ id }: { id: number }) => (await api(`/api/v1/calls/${id}`)).call));
  };
  const callCount = async () => {
    let count = 0;
    let cursor: number | null = null;
    do {
      const page: { calls: unknown[]; next_cursor: number | null } = await api(`/api/v1/calls?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      count += page.calls.length;
      cursor = page.next_cursor;
    } while (cursor);
    return count;
  };
  return {
    baseURL: `${server.base}/v1`,
    apiKey: ACCESS_TOKEN,
    fake,
    rowsOf,
    callCount,
    async capturedOnce(requestId, before) {
      expect(requestId, 'the answer carries x-study-request-id').toMatch(/^[\w-]{8,}$/);
      const rows = await rowsOf(requestId!);
      expect(rows, `rows captured for request ${requestId}`).toHaveLength(1);
      expect(await callCount(), 'rows added by this one request').toBe(before + 1);
      return rows[0]!;
    },
    async close() {
      await server.kill();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fetch for clients that keep the response headers to themselves (LangChain): it passes every
 * request through untouched and notes the x-study-request-id each answer carries.
 */
export function recordingFetch(): { fetch: typeof fetch; requestIds: string[] } {
  const requestIds: string[] = [];
  return {
    requestIds,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      requestIds.push(response.headers.get('x-study-request-id') ?? '');
      return response;
    },
  };
}
