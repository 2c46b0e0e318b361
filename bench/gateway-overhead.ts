// Spec performance target 1 (gateway part): the openai SDK calling a local OpenAI-compatible server directly
// vs through /v1/chat/completions (captured), interleaved in one run. Target: added p50 <= 1 ms, p99 <= 5 ms.
// Run: npx tsx bench/gateway-overhead.ts [requests]   (default 2,000 each way after a 200-request warm-up)
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { startFakeOpenAI } from '../test/support/fake-openai';
import { freePort, waitForHealth } from '../test/support/process';
import { spawn } from 'node:child_process';

const TARGET = { addedP50Ms: 1, addedP99Ms: 5 };
const WARMUP = 200;

export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  target: string;
  pass: boolean;
}

export async function run(requests = 2_000): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'study-bench-gateway-'));
  const fake = await startFakeOpenAI({ recordBodies: false });
  const env = { DATABASE_URL: `file:${join(dir, 'study.db')}`, OPENAI_API_KEY: 'sk-bench-upstream', OPENAI_BASE_URL: fake.url };
  let gatewayUrl: string;
  let stop: () => Promise<void>;
  let countRows: () => Promise<number>;
  if (process.env.BENCH_INPROCESS) {
  const deps = await bootstrap(env, { log: () => {} });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  stop = async () => { await new Promise((resolve) => server.close(resolve)); deps.database.close(); };
  countRows = async () => Number((await deps.database.client.execute('SELECT count(*) AS n FROM raw_calls')).rows[0]!.n);
  } else {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], { env: { ...process.env, ...env, PORT: String(port) }, stdio: 'ignore' });
    await waitForHealth(`http://127.0.0.1:${port}`, child);
    gatewayUrl = `http://127.0.0.1:${port}/v1`;
    stop = async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); };
    countRows = async () => { const r = await fetch(`http://127.0.0.1:${port}/api/v1/calls?limit=1`); const b = await r.json(); return b.calls[0].id; };
  }
  const direct = new OpenAI({ baseURL: fake.url, apiKey: 'sk-bench', maxRetries: 0 });
  const viaGateway = new OpenAI({ baseURL: gatewayUrl, apiKey: 'sk-bench', maxRetries: 0 });

  const call = async (client: OpenAI, model: string, i: number) => {
    const started = performance.now();
    const answer = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: `Benchmark prompt number ${i}: name a colour.` }],
      temperature: 0.7,
    });
    const ms = performance.now() - started;
    if (!answer.choices[0]?.message.content) throw new Error('empty answer');
    return ms;
  };

  try {
    for (let i = 0; i < WARMUP; i++) {
      await call(direct, 'gpt-bench', i);
      await call(viaGateway, 'openai/gpt-bench', i);
    }
    const directMs: number[] = [];
    const gatewayMs: number[] = [];
    for (let i = 0; i < requests; i++) {
      // Alternate which goes first, so neither side always runs on a just-warmed connection.
      if (i % 2 === 0) {
        directMs.push(await call(direct, 'gpt-bench', i));
        gatewayMs.push(await call(viaGateway, 'openai/gpt-bench', i));
      } else {
        gatewayMs.push(await call(viaGateway, 'openai/gpt-bench', i));
        directMs.push(await call(direct, 'gpt-bench', i));
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    const captured = await countRows();
    if (captured !== WARMUP + requests) throw new Error(`expected ${WARMUP + requests} captured calls, found ${captured}`);

    const d = { p50: percentile(directMs, 50), p99: percentile(directMs, 99) };
    const g = { p50: percentile(gatewayMs, 50), p99: percentile(gatewayMs, 99) };
    const metrics = {
      requests_each_way: requests,
      captured_rows: captured,
      direct_p50_ms: round(d.p50),
      direct_p99_ms: round(d.p99),
      gateway_p50_ms: round(g.p50),
      gateway_p99_ms: round(g.p99),
      added_p50_ms: round(g.p50 - d.p50),
      added_p99_ms: round(g.p99 - d.p99),
    };
    const pass = metrics.added_p50_ms <= TARGET.addedP50Ms && metrics.added_p99_ms <= TARGET.addedP99Ms;
    return {
      name: 'gateway-overhead',
      metrics,
      target: `added p50 <= ${TARGET.addedP50Ms} ms, added p99 <= ${TARGET.addedP99Ms} ms`,
      pass,
    };
  } finally {
    await stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

if (import.meta.url === `file://${process.argv[1]}`) {
  const requests = Number(process.argv[2] ?? 2_000);
  const result = await run(requests);
  const m = result.metrics;
  console.log(`gateway overhead: ${m.requests_each_way} interleaved requests each way, ${m.captured_rows} rows captured`);
  console.log(`  direct   p50 ${m.direct_p50_ms} ms   p99 ${m.direct_p99_ms} ms`);
  console.log(`  gateway  p50 ${m.gateway_p50_ms} ms   p99 ${m.gateway_p99_ms} ms`);
  console.log(`  added    p50 ${m.added_p50_ms} ms   p99 ${m.added_p99_ms} ms`);
  console.log(`${result.pass ? 'PASS' : 'FAIL'} vs target (${result.target})`);
  process.exit(0);
}
