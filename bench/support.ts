// Shared pieces of the benchmarks: a provider in another process, percentiles, verdict lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  target: string;
  pass: boolean;
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
  return `${result.pass ? 'PASS' : 'FAIL'} ${result.name}: ${result.target}`;
}

export const isMain = (url: string) => url === `file://${process.argv[1]}`;

/** Times two ways of making the same call, alternating which goes first, after a warm-up; sorted ms. */
export async function interleaved(
  first: (i: number) => Promise<number>,
  second: (i: number) => Promise<number>,
  requests: number,
  warmup: number,
): Promise<[number[], number[]]> {
  for (let i = 0; i < warmup; i++) {
    await first(i);
    await second(i);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < requests; i++) {
    if (i % 2 === 0) {
      a.push(await first(i));
      b.push(await second(i));
    } else {
      b.push(await second(i));
      a.push(await first(i));
    }
  }
  return [a.sort((x, y) => x - y), b.sort((x, y) => x - y)];
}

const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

/** Spec target 1: what capturing adds to a call, from sorted direct and through-us timings. */
export function overheadResult(name: string, directMs: number[], throughMs: number[], captured: number, expectedRows: number): BenchResult {
  const metrics = {
    requests_each_way: directMs.length,
    captured_rows: captured,
    direct_p50_ms: roundMs(percentile(directMs, 50)),
    direct_p99_ms: roundMs(percentile(directMs, 99)),
    through_p50_ms: roundMs(percentile(throughMs, 50)),
    through_p99_ms: roundMs(percentile(throughMs, 99)),
    added_p50_ms: roundMs(percentile(throughMs, 50) - percentile(directMs, 50)),
    added_p99_ms: roundMs(percentile(throughMs, 99) - percentile(directMs, 99)),
  };
  console.log(`  direct SDK   p50 ${metrics.direct_p50_ms} ms   p99 ${metrics.direct_p99_ms} ms`);
  console.log(`  through us   p50 ${metrics.through_p50_ms} ms   p99 ${metrics.through_p99_ms} ms  (${captured} rows)`);
  const result: BenchResult = {
    name,
    metrics,
    target: `added p50 <= 1 ms, added p99 <= 5 ms, every call captured (measured added p50 ${metrics.added_p50_ms} ms, p99 ${metrics.added_p99_ms} ms, ${captured}/${expectedRows} rows)`,
    pass: metrics.added_p50_ms <= 1 && metrics.added_p99_ms <= 5 && captured === expectedRows,
  };
  console.log(verdict(result));
  return result;
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
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    providerUrl: provider.url,
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async successRows() {
      const rows = await deps.database.client.execute("SELECT count(*) AS n FROM raw_calls WHERE status = 'success'");
      return Number(rows.rows[0]!.n);
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      deps.database.close();
      provider.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
