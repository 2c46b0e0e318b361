// Shared pieces of the benchmarks: a provider in another process, percentiles, verdict lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { undiciRequestFetch } from '../src/node/node-fetch';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  target: string;
  /** Whether the spec's target is met; null for an informational row, which has no target. */
  pass: boolean | null;
}

export async function startFakeProvider(latencyMs = 0): Promise<{ url: string; stop(): void; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./fake-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake provider exited with ${code}`)));
    child.stdout!.once('data', (d) => resolve(String(d).trim().split('\n')[0]!));
  });
  return { url, child, stop: () => child.kill('SIGTERM') };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function verdict(result: BenchResult): string {
  return `${result.pass === null ? 'INFO' : result.pass ? 'PASS' : 'FAIL'} ${result.name}: ${result.target}`;
}

/** A bench run on its own exits 1 when any of its targets is missed. */
export function exitWith(results: BenchResult | BenchResult[]): never {
  process.exit((Array.isArray(results) ? results : [results]).some((r) => r.pass === false) ? 1 : 0);
}

export const isMain = (url: string) => url === `file://${process.argv[1]}`;

/** Times several ways of making the same call, rotating which goes first, after a warm-up; sorted ms each. */
async function interleaved(ways: Array<(i: number) => Promise<number>>, requests: number, warmup: number): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const way of ways) await way(i);
  const timings: number[][] = ways.map(() => []);
  for (let i = 0; i < requests; i++) {
    for (let k = 0; k < ways.length; k++) {
      const w = (i + k) % ways.length;
      timings[w]!.push(await ways[w]!(i));
    }
  }
  return timings.map((t) => t.sort((x, y) => x - y));
}

const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Spec target 1: what capturing adds to a call, from sorted direct and through-us timings. The bare
 * proxy (same HTTP server, same SDK and provider fetch, no validation, no capture) shows how much of
 * that any extra hop costs on this machine.
 */
function overheadResult(
  name: string,
  timings: { directMs: number[]; proxyMs: number[]; throughMs: number[] },
  captured: number,
  expectedRows: number,
): BenchResult {
  const { directMs, proxyMs, throughMs } = timings;
  const p = (ms: number[], q: number) => roundMs(percentile(ms, q));
  const metrics = {
    requests_each_way: directMs.length,
    captured_rows: captured,
    direct_p50_ms: p(directMs, 50),
    direct_p99_ms: p(directMs, 99),
    bare_proxy_p50_ms: p(proxyMs, 50),
    bare_proxy_p99_ms: p(proxyMs, 99),
    through_p50_ms: p(throughMs, 50),
    through_p99_ms: p(throughMs, 99),
    bare_proxy_added_p50_ms: roundMs(percentile(proxyMs, 50) - percentile(directMs, 50)),
    bare_proxy_added_p99_ms: roundMs(percentile(proxyMs, 99) - percentile(directMs, 99)),
    added_p50_ms: roundMs(percentile(throughMs, 50) - percentile(directMs, 50)),
    added_p99_ms: roundMs(percentile(throughMs, 99) - percentile(directMs, 99)),
  };
  console.log(`  direct SDK   p50 ${metrics.direct_p50_ms} ms   p99 ${metrics.direct_p99_ms} ms`);
  console.log(`  bare proxy   p50 ${metrics.bare_proxy_p50_ms} ms   p99 ${metrics.bare_proxy_p99_ms} ms  (an extra hop, nothing captured)`);
  console.log(`  through us   p50 ${metrics.through_p50_ms} ms   p99 ${metrics.through_p99_ms} ms  (${captured} rows)`);
  const result: BenchResult = {
    name,
    metrics,
    target:
      `added p50 <= 1 ms, added p99 <= 5 ms, every call captured (measured added p50 ${metrics.added_p50_ms} ms, ` +
      `p99 ${metrics.added_p99_ms} ms, ${captured}/${expectedRows} rows; a bare proxy adds p50 ${metrics.bare_proxy_added_p50_ms} ms, ` +
      `p99 ${metrics.bare_proxy_added_p99_ms} ms)`,
    pass: metrics.added_p50_ms <= 1 && metrics.added_p99_ms <= 5 && captured === expectedRows,
  };
  console.log(verdict(result));
  return result;
}

const listen = (fetch: (request: Request) => Response | Promise<Response>) =>
  new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
const serverBase = (server: ServerType) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

/**
 * A proxy with nothing but the hop: the same HTTP server, the openai SDK over the same fetch our
 * providers use, the provider's answer passed back. Both routes the overhead benchmarks call.
 */
function bareProxy(providerUrl: string) {
  const sdk = new OpenAI({ baseURL: providerUrl, apiKey: 'sk-bench', maxRetries: 0, fetch: undiciRequestFetch() });
  const app = new Hono();
  app.post('/v1/chat/completions', async (c) => {
    const body = (await c.req.json()) as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
    return c.json(await sdk.chat.completions.create({ ...body, model: body.model.replace(/^[^/]+\//, '') }));
  });
  app.post('/api/v1/inference', async (c) => {
    const body = (await c.req.json()) as { model: string; prompt: string; params?: Record<string, unknown> };
    const answer = await sdk.chat.completions.create({ ...body.params, model: body.model, messages: [{ role: 'user', content: body.prompt }] });
    return c.json({ calls: [{ status: 'success', text: answer.choices[0]?.message.content ?? '' }] });
  });
  return app;
}

const OVERHEAD_WARMUP = 200;
type Timed = (i: number) => Promise<number>;

/**
 * Spec target 1, both parts: times calling the provider directly, through the bare proxy and
 * through the app, interleaved after a warm-up; every call through the app must be captured.
 * Closes the app.
 */
export async function measureOverhead(
  name: string,
  app: CapturingServer,
  ways: { direct: Timed; bareProxy: Timed; through: Timed },
  requests: number,
): Promise<BenchResult> {
  try {
    const [directMs, proxyMs, throughMs] = await interleaved([ways.direct, ways.bareProxy, ways.through], requests, OVERHEAD_WARMUP);
    return overheadResult(name, { directMs: directMs!, proxyMs: proxyMs!, throughMs: throughMs! }, await app.successRows(), OVERHEAD_WARMUP + requests);
  } finally {
    await app.close();
  }
}

/**
 * The app as `npm start` serves it, over a temp database, in front of a local provider in its own
 * process (configured as `openai`). Log lines are built and scrubbed, then dropped.
 */
export async function startCapturingServer(name: string) {
  const provider = await startFakeProvider(0);
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const deps = await bootstrap(
    { DATABASE_URL: `file:${join(dir, 'bench.db')}`, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: provider.url },
    { log: () => {} },
  );
  const server = await listen(createApp(deps).fetch);
  const proxy = await listen(bareProxy(provider.url).fetch);
  return {
    providerUrl: provider.url,
    base: serverBase(server),
    /** The same routes with nothing validated or captured: the cost of the hop itself. */
    bareProxyBase: serverBase(proxy),
    async successRows() {
      const rows = await deps.database.client.execute("SELECT count(*) AS n FROM raw_calls WHERE status = 'success'");
      return Number(rows.rows[0]!.n);
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => proxy.close(resolve));
      deps.database.close();
      provider.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type CapturingServer = Awaited<ReturnType<typeof startCapturingServer>>;
