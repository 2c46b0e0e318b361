// Spec target 1 (API part): POST /api/v1/inference (every call captured) vs the openai SDK calling the
// same local server directly, interleaved in one run. Target: added p50 <= 1 ms, added p99 <= 5 ms.
import OpenAI from 'openai';
import { exitWith, isMain, measureOverhead, startCapturingServer, type BenchResult } from './support';

export async function run(requests = Number(process.env.BENCH_CAPTURE_REQUESTS ?? 2_000)): Promise<BenchResult> {
  const app = await startCapturingServer('capture');
  const direct = new OpenAI({ baseURL: app.providerUrl, apiKey: 'sk-bench', maxRetries: 0 });
  const prompt = (i: number) => `Benchmark prompt number ${i}: name a colour.`;
  const viaSdk = async (i: number) => {
    const started = performance.now();
    const answer = await direct.chat.completions.create({ model: 'bench-model', messages: [{ role: 'user', content: prompt(i) }], temperature: 0.7 });
    if (!answer.choices[0]?.message.content) throw new Error('empty answer');
    return performance.now() - started;
  };
  const viaApi = (base: string) => async (i: number) => {
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/inference`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', model: 'bench-model', prompt: prompt(i), params: { temperature: 0.7 } }),
    });
    const body = (await res.json()) as { calls: Array<{ status: string }> };
    if (body.calls[0]?.status !== 'success') throw new Error('call failed');
    return performance.now() - started;
  };
  return measureOverhead(
    'capture overhead (/api/v1/inference)',
    app,
    { direct: viaSdk, bareProxy: viaApi(app.bareProxyBase), through: viaApi(app.base) },
    requests,
  );
}

if (isMain(import.meta.url)) {
  // Exits (the fake provider child and keep-alive sockets would otherwise hold the process open), 1 on a missed target.
  exitWith(await run(process.argv[2] ? Number(process.argv[2]) : undefined));
}
