// Spec performance target 1 (gateway part): the openai SDK calling a local OpenAI-compatible server directly
// vs through /v1/chat/completions (every call captured), interleaved in one run.
// Target: added p50 <= 1 ms, added p99 <= 5 ms.   Run: npx tsx bench/gateway-overhead.ts [requests-each-way]
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

export async function run(requests = Number(process.env.BENCH_GATEWAY_REQUESTS ?? 2_000)): Promise<BenchResult> {
  const provider = await startFakeProvider(0);
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  // The gateway runs here, as `npm start` would run it; log lines are built and scrubbed, then dropped.
  const deps = await bootstrap(
    { DATABASE_URL: `file:${join(dir, 'bench.db')}`, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: provider.url },
    { log: () => {} },
  );
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const direct = new OpenAI({ baseURL: provider.url, apiKey: 'sk-bench', maxRetries: 0 });
  const gateway = new OpenAI({
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    apiKey: 'sk-bench',
    maxRetries: 0,
  });
  const timeCall = async (client: OpenAI, model: string, i: number) => {
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
    const [directMs, gatewayMs] = await interleaved(
      (i) => timeCall(direct, 'bench-model', i),
      (i) => timeCall(gateway, 'openai/bench-model', i),
      requests,
      WARMUP,
    );
    const rows = await deps.database.client.execute("SELECT count(*) AS n FROM raw_calls WHERE status = 'success'");
    const captured = Number(rows.rows[0]!.n);
    return overheadResult('gateway capture overhead (/v1/chat/completions)', directMs, gatewayMs, captured, WARMUP + requests);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    deps.database.close();
    provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  await run(process.argv[2] ? Number(process.argv[2]) : undefined);
  // The fake provider child and keep-alive sockets would otherwise hold the process open.
  process.exit(0);
}
