// Idle memory of the server `npm start` runs (issue 24), on its own: start it over a fresh database, make
// 20 gateway calls through the openai SDK to a zero-latency local provider, wait a second, read its RSS
// — the same steps as gateway-peers.ts's idle figure, without Portkey or the load phases. One run
// varies by some 5 MiB (where glibc and V8 happen to leave freed memory), so this repeats the run and
// reports the median, and where the median run's resident memory lies (/proc/<pid>/smaps).
// Run: npx tsx bench/idle-rss.ts   (BENCH_IDLE_RUNS changes the number of runs, 5 by default;
// BENCH_IDLE_BEFORE=<checkout> also measures that checkout's server, built there, its runs alternating
// with ours — e.g. main exported with `git archive`, node_modules linked — so both share the hour)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { rssMiB, startOurs } from './gateway-peers';
import { exitWith, isMain, startFakeProvider, verdict, type BenchResult } from './support';

const CALLS = 20;

/** Resident KiB by mapping: the node binary, libsql's native module, the malloc heap, anonymous memory (V8's heap, thread arenas). */
export function residentByMapping(pid: number): Record<string, number> {
  const kib: Record<string, number> = {};
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const path = mapping[1]!;
      name = path === '' ? '[anon]' : path.endsWith('/node') ? 'node binary' : path.includes('libsql') ? 'libsql native' : path.startsWith('[') ? path : 'other files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kib[name] = (kib[name] ?? 0) + Number(rss[1]);
  }
  return kib;
}

async function oneRun(providerUrl: string, root?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
  const ours = await startOurs(providerUrl, dir, root);
  try {
    const client = new OpenAI({ baseURL: `${ours.base}/v1`, apiKey: 'sk-bench', maxRetries: 0 });
    for (let i = 0; i < CALLS; i++) await client.chat.completions.create({ model: 'openai/bench-model', messages: [{ role: 'user', content: `hello ${i}` }] });
    await new Promise((r) => setTimeout(r, 1000));
    const pid = ours.child.pid!;
    const walBytes = statSync(join(dir, 'study.db-wal'), { throwIfNoEntry: false })?.size ?? 0;
    return { rss: rssMiB(pid), byMapping: residentByMapping(pid), threads: readdirSync(`/proc/${pid}/task`).length, walBytes };
  } finally {
    await ours.stopAndCountRows().catch(() => 0);
    rmSync(dir, { recursive: true, force: true });
  }
}

type Run = Awaited<ReturnType<typeof oneRun>>;

function summary(name: string, results: Run[]): BenchResult {
  const sorted = [...results].sort((a, b) => a.rss - b.rss);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  console.log(`  ${name}: idle RSS per run (MiB): ${results.map((r) => r.rss).join(', ')}`);
  console.log(`  ${name}: threads ${results.map((r) => r.threads).join(', ')}; WAL bytes ${results.map((r) => r.walBytes).join(', ')}`);
  console.log(`  ${name}: median run by mapping (MiB): ${Object.entries(median.byMapping).filter(([, v]) => v >= 512).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 1024).toFixed(1)}`).join(', ')}`);
  return {
    name: `${name}: idle RSS after ${CALLS} gateway calls, median of ${results.length}`,
    metrics: {
      median_mib: median.rss,
      min_mib: sorted[0]!.rss,
      max_mib: sorted.at(-1)!.rss,
      median_threads: median.threads,
      ...Object.fromEntries(Object.entries(median.byMapping).filter(([, v]) => v >= 512).map(([k, v]) => [`median_${k.replace(/\W+/g, '_').replace(/^_|_$/g, '')}_mib`, Math.round(v / 102.4) / 10])),
    },
    target: `informational; the target (<= 1.1x Portkey's) is judged in gateway-peers (median ${median.rss} MiB, runs ${sorted[0]!.rss}-${sorted.at(-1)!.rss})`,
    pass: null,
  };
}

export async function run(runs = Number(process.env.BENCH_IDLE_RUNS ?? 5)): Promise<BenchResult[]> {
  const beforeRoot = process.env.BENCH_IDLE_BEFORE;
  const provider = await startFakeProvider(0);
  try {
    const ours: Run[] = [];
    const before: Run[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await oneRun(provider.url));
      if (beforeRoot) before.push(await oneRun(provider.url, beforeRoot));
    }
    const results = [summary('us', ours), ...(beforeRoot ? [summary('before', before)] : [])];
    for (const r of results) console.log(verdict(r));
    return results;
  } finally {
    provider.stop();
  }
}

if (isMain(import.meta.url)) exitWith(await run(process.argv[2] ? Number(process.argv[2]) : undefined));
