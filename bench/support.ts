// Shared pieces of the benchmarks: a provider in another process, percentiles, verdict lines.
import { spawn, type ChildProcess } from 'node:child_process';
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
