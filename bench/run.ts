// `npm run bench`: every benchmark in bench/, against local servers only. Prints each figure and
// a verdict against the spec's target, then writes bench/results.json. BENCH_ONLY=name,name runs a
// subset. Exits 1 when any target is missed or any bench could not run.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { BenchResult } from './support';

const BENCHES: Record<string, () => Promise<{ run: () => Promise<BenchResult | BenchResult[]> }>> = {
  'capture-overhead': () => import('./capture-overhead'),
  'gateway-overhead': () => import('./gateway-overhead'),
  'gateway-peers': () => import('./gateway-peers'),
  'idle-rss': () => import('./idle-rss'),
  'batch-throughput': () => import('./batch-throughput'),
  'capture-write': () => import('./capture-write'),
  analytics: () => import('./analytics'),
  embeddings: () => import('./embeddings'),
  'study-report': () => import('./study-report'),
  'report-file': () => import('./report-file'),
  'study-drift': () => import('./study-drift'),
  'regex-scoring': () => import('./regex-scoring'),
  'study-input': () => import('./study-input'),
  'worker-bundle': () => import('./worker-bundle'),
  'two-instances': () => import('./two-instances'),
};

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const results: Array<BenchResult & { bench: string }> = [];
const failures: string[] = [];
for (const [name, load] of Object.entries(BENCHES)) {
  if (only && !only.includes(name)) continue;
  console.log(`\n=== ${name}`);
  const started = Date.now();
  try {
    const outcome = await (await load()).run();
    for (const result of Array.isArray(outcome) ? outcome : [outcome]) results.push({ bench: name, ...result });
  } catch (error) {
    failures.push(name);
    console.error(`${name} could not run: ${(error as Error).stack ?? error}`);
  }
  console.log(`(${name} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version };
const resultsFile = process.env.BENCH_RESULTS ?? 'bench/results.json';
writeFileSync(resultsFile, `${JSON.stringify({ measured_at: new Date().toISOString(), machine, results, could_not_run: failures }, null, 2)}\n`);
console.log('\n=== verdicts');
for (const r of results) console.log(`${r.pass === null ? 'INFO' : r.pass ? 'PASS' : 'FAIL'} ${r.bench} · ${r.name}: ${r.target}`);
for (const name of failures) console.log(`ERROR ${name}: did not run`);
console.log(`written: ${resultsFile}`);
const missed = results.filter((r) => r.pass === false).length;
if (missed || failures.length) console.log(`${missed} target(s) missed, ${failures.length} bench(es) could not run`);
// The fake provider children and keep-alive sockets of the benches would otherwise hold the process open.
process.exit(missed || failures.length ? 1 : 0);
