// The client of bench/gateway-peers.ts, in its own process so its CPU is not the servers': the official
// openai SDK (its default fetch), one client per target, driven over IPC by the bench.
import OpenAI from 'openai';

export interface PeerTarget {
  name: string;
  baseURL: string;
  model: string;
  headers?: Record<string, string>;
}

export type ClientCommand =
  | { kind: 'calls'; target: string; calls: number; concurrency: number }
  | { kind: 'sequential'; targets: string[]; requests: number; warmup: number };

export type ClientReply =
  | { kind: 'calls'; ms: number; calls: number }
  | { kind: 'sequential'; ms: Record<string, number[]> }
  | { kind: 'error'; message: string };

const targets = new Map<string, { client: OpenAI; model: string }>();
for (const t of JSON.parse(process.argv[2] ?? '[]') as PeerTarget[]) {
  targets.set(t.name, { client: new OpenAI({ baseURL: t.baseURL, apiKey: 'sk-bench', maxRetries: 0, defaultHeaders: t.headers }), model: t.model });
}

async function call(name: string, i: number): Promise<void> {
  const target = targets.get(name)!;
  const answer = await target.client.chat.completions.create({
    model: target.model,
    messages: [{ role: 'user', content: `Benchmark prompt number ${i}: name a colour.` }],
    temperature: 0.7,
  });
  if (!answer.choices[0]?.message.content) throw new Error(`${name}: empty answer`);
}

/** `calls` calls, `concurrency` at a time; ms from the first to the last answer. */
async function calls(name: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await call(name, next++);
    }),
  );
  return performance.now() - started;
}

/** One call after another, rotating which target goes first; each target's timings, sorted. */
async function sequential(names: string[], requests: number, warmup: number): Promise<Record<string, number[]>> {
  for (let i = 0; i < warmup; i++) for (const name of names) await call(name, i);
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < requests; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const started = performance.now();
      await call(name, i);
      ms[name]!.push(performance.now() - started);
    }
  }
  for (const list of Object.values(ms)) list.sort((a, b) => a - b);
  return ms;
}

process.on('message', (command: ClientCommand) => {
  const reply = (message: ClientReply) => process.send!(message);
  const work =
    command.kind === 'calls'
      ? calls(command.target, command.calls, command.concurrency).then((ms) => reply({ kind: 'calls', ms, calls: command.calls }))
      : sequential(command.targets, command.requests, command.warmup).then((ms) => reply({ kind: 'sequential', ms }));
  work.catch((error: Error) => reply({ kind: 'error', message: error.stack ?? String(error) }));
});
process.send!({ kind: 'ready' });
