// Spec performance target 1 (gateway part): the openai SDK calling a local OpenAI-compatible server directly
// vs through /v1/chat/completions (every call captured), interleaved in one run.
// Target: added p50 <= 1 ms, added p99 <= 5 ms.   Run: npx tsx bench/gateway-overhead.ts [requests-each-way]
import OpenAI from 'openai';
import { exitWith, isMain, measureOverhead, startCapturingServer, type BenchResult } from './support';

export async function run(requests = Number(process.env.BENCH_GATEWAY_REQUESTS ?? 2_000)): Promise<BenchResult> {
  // The gateway runs here, as `npm start` would run it.
  const app = await startCapturingServer('gateway');
  const direct = new OpenAI({ baseURL: app.providerUrl, apiKey: 'sk-bench', maxRetries: 0 });
  const gateway = new OpenAI({ baseURL: `${app.base}/v1`, apiKey: 'sk-bench', maxRetries: 0 });
  const proxy = new OpenAI({ baseURL: `${app.bareProxyBase}/v1`, apiKey: 'sk-bench', maxRetries: 0 });
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

  return measureOverhead(
    'gateway capture overhead (/v1/chat/completions)',
    app,
    {
      direct: (i) => timeCall(direct, 'bench-model', i),
      bareProxy: (i) => timeCall(proxy, 'openai/bench-model', i),
      through: (i) => timeCall(gateway, 'openai/bench-model', i),
    },
    requests,
  );
}

if (isMain(import.meta.url)) {
  // Exits (the fake provider child and keep-alive sockets would otherwise hold the process open), 1 on a missed target.
  exitWith(await run(process.argv[2] ? Number(process.argv[2]) : undefined));
}
