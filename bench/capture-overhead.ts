// Spec target 1 (API part): POST /api/v1/inference (every call captured) vs the openai SDK calling the
// same local server directly, interleaved in one run. Target: added p50 <= 1 ms, added p99 <= 5 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { interleaved, isMain, overheadResult, startFakeProvider, type BenchResult } from './support';

const WARMUP = 200;

export async function run(requests = Number(process.env.BENCH_CAPTURE_REQUESTS ?? 2_000)): Promise<BenchResult> {
  const provider = await startFakeProvider(0);
  const dir = mkdtempSync(join(tmpdir(), 'bench-capture-'));
  const deps = await bootstrap(
    { DATABASE_URL: `file:${join(dir, 'bench.db')}`, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: provider.url },
    { log: () => {} },
  );
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/inference`;
  const direct = new OpenAI({ baseURL: provider.url, apiKey: 'sk-bench', maxRetries: 0 });
  const prompt = (i: number) => `Benchmark prompt number ${i}: name a colour.`;
  const viaSdk = async (i: number) => {
    const started = performance.now();
    const answer = await direct.chat.completions.create({ model: 'bench-model', messages: [{ role: 'user', content: prompt(i) }], temperature: 0.7 });
    if (!answer.choices[0]?.message.content) throw new Error('empty answer');
    return performance.now() - started;
  };
  const viaApi = async (i: number) => {
    const started = performance.now();
    const res = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', model: 'bench-model', prompt: prompt(i), params: { temperature: 0.7 } }),
    });
    const body = (await res.json()) as { calls: Array<{ status: string }> };
    if (body.calls[0]?.status !== 'success') throw new Error('call failed');
    return performance.now() - started;
  };
  try {
    const [directMs, apiMs] = await interleaved(viaSdk, viaApi, requests, WARMUP);
    const rows = await deps.database.client.execute("SELECT count(*) AS n FROM raw_calls WHERE status = 'success'");
    const captured = Number(rows.rows[0]!.n);
    return overheadResult('capture overhead (/api/v1/inference)', directMs, apiMs, captured, WARMUP + requests);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    deps.database.close();
    provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  await run(process.argv[2] ? Number(process.argv[2]) : undefined);
  process.exit(0);
}
