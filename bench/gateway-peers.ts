// Side by side with a peer (issue 24): the official openai SDK, in its own process, calling a zero-latency
// local provider directly, through Portkey's AI gateway (which stores nothing) and through our gateway
// (`npm start`'s server, every call stored) — each a server process of its own.
// Targets: added p50 (sequential) <= 0.8x Portkey's; calls/s at c=64 >= 0.65x direct with every row
// stored; server CPU per call at c=64 <= 0.5 ms; idle RSS <= 1.1x Portkey's.
// Run: npx tsx bench/gateway-peers.ts   (BENCH_PEERS_CALLS, BENCH_PEERS_REQUESTS change the counts;
// BENCH_PEERS_CPU_PROF=<dir> runs our server under `node --cpu-prof` and writes its profile there;
// BENCH_PEERS_BEFORE=<checkout> adds that checkout's server, built there, as a fourth target "before"
// — e.g. main exported with `git archive`, node_modules linked — so before and after share one run)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { freePort } from '../test/support/process';
import type { ClientCommand, ClientReply, PeerTarget } from './gateway-peers-client';
import { PORTKEY_VERSION, startPortkey } from './portkey-gateway';
import { exitWith, isMain, percentile, startFakeProvider, verdict, type BenchResult } from './support';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONCURRENCY = 64;
/** The throughput phase's calls per target, split into this many interleaved rounds. */
const THROUGHPUT_ROUNDS = 4;
const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system, every thread) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3 of stat(5), utime 14 and stime 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** Resident memory of the process, MiB. */
export function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round((Number(kib) / 1024) * 10) / 10;
}

/**
 * What `npm start` runs in `root`: its variables (`NAME=value` before the command) and the script node
 * runs. Read from package.json, so the bench runs the server as npm start does, whatever that becomes.
 */
export function npmStart(root = ROOT): { env: Record<string, string>; script: string } {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string;
  const words = start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Za-z_]\w*=/.test(words[0] ?? '')) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  if (words.length !== 2 || words[0] !== 'node') throw new Error(`npm start is not "[NAME=value ...] node <script>": ${start}`);
  return { env, script: words[1]! };
}

/** Our server as `npm start` runs it (the esbuild bundle under plain node), over a temp database; built in `root`. */
export async function startOurs(providerUrl: string, dir: string, root = ROOT) {
  execFileSync(process.execPath, [join(root, 'scripts/build-server.mjs')], { stdio: 'inherit', cwd: root });
  const start = npmStart(root);
  const port = await freePort();
  const profileDir = process.env.BENCH_PEERS_CPU_PROF;
  const databaseUrl = `file:${join(dir, 'study.db')}`;
  const child = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), join(root, start.script)], {
    // Its own folder, so no .env of the checkout is read.
    cwd: dir,
    env: { ...start.env, PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: providerUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Log lines are read and dropped, as a log collector would.
  child.stdout!.resume();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`our server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('our server did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    base,
    child,
    /** Stops the server (gracefully, so a CPU profile is written), then counts its stored successes. */
    async stopAndCountRows(): Promise<number> {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      const db = createClient({ url: databaseUrl });
      try {
        const rows = await db.execute("SELECT count(*) AS n FROM raw_calls WHERE status = 'success'");
        return Number(rows.rows[0]!.n);
      } finally {
        db.close();
      }
    },
  };
}

export function startClient(targets: PeerTarget[]) {
  const script = fileURLToPath(new URL('./gateway-peers-client.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(targets)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
  });
  const send = <K extends ClientCommand['kind']>(command: Extract<ClientCommand, { kind: K }>) =>
    new Promise<Extract<ClientReply, { kind: K }>>((resolve, reject) => {
      child.once('message', (reply: ClientReply) =>
        reply.kind === 'error' ? reject(new Error(`client: ${reply.message}`)) : resolve(reply as Extract<ClientReply, { kind: K }>),
      );
      child.send(command);
    });
  return { ready, send, stop: () => child.kill('SIGTERM') };
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function run(
  calls = Number(process.env.BENCH_PEERS_CALLS ?? 10_000),
  requests = Number(process.env.BENCH_PEERS_REQUESTS ?? 2_000),
): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'));
  const provider = await startFakeProvider(0);
  const portkey = await startPortkey(await freePort());
  let ours: Awaited<ReturnType<typeof startOurs>> | undefined;
  let before: Awaited<ReturnType<typeof startOurs>> | undefined;
  const beforeRoot = process.env.BENCH_PEERS_BEFORE;
  let client: ReturnType<typeof startClient> | undefined;
  try {
    ours = await startOurs(provider.url, dir);
    if (beforeRoot) {
      mkdirSync(join(dir, 'before'));
      before = await startOurs(provider.url, join(dir, 'before'), beforeRoot);
    }
    const targets: PeerTarget[] = [
      { name: 'direct', baseURL: provider.url, model: 'bench-model' },
      { name: 'portkey', baseURL: `${portkey.base}/v1`, model: 'bench-model', headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': provider.url } },
      { name: 'us', baseURL: `${ours.base}/v1`, model: 'openai/bench-model' },
      ...(before ? [{ name: 'before', baseURL: `${before.base}/v1`, model: 'openai/bench-model' }] : []),
    ];
    const pids: Record<string, number> = { direct: provider.child.pid!, portkey: portkey.child.pid!, us: ours.child.pid!, ...(before ? { before: before.child.pid! } : {}) };
    client = startClient(targets);
    await client.ready;
    let callsThroughUs = 0;
    let callsThroughBefore = 0;
    const drive = async (target: string, count: number, concurrency: number) => {
      const reply = await client!.send({ kind: 'calls', target, calls: count, concurrency });
      if (target === 'us') callsThroughUs += count;
      if (target === 'before') callsThroughBefore += count;
      return reply.ms;
    };

    // Idle memory: after start and a few calls, then a second of nothing.
    for (const t of targets) await drive(t.name, 20, 1);
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = Object.fromEntries(targets.map((t) => [t.name, rssMiB(pids[t.name]!)]));

    const warmup = Math.min(200, requests);
    const seq = (await client.send({ kind: 'sequential', targets: targets.map((t) => t.name), requests, warmup })).ms;
    callsThroughUs += warmup + requests;
    if (before) callsThroughBefore += warmup + requests;
    const p50 = (name: string) => percentile(seq[name]!, 50);
    const p99 = (name: string) => percentile(seq[name]!, 99);

    // The calls of each target come in rounds, the targets' order turned around every round, so a
    // shared machine getting slower or faster for a while weighs on every target alike.
    const throughput: Record<string, { callsPerS: number; cpuMsPerCall: number; upstreamCpuMsPerCall: number }> = {};
    const spent = Object.fromEntries(targets.map((t) => [t.name, { ms: 0, cpu: 0, upstreamCpu: 0 }]));
    for (const t of targets) await drive(t.name, Math.min(1_000, calls), CONCURRENCY);
    const perRound = Math.ceil(calls / THROUGHPUT_ROUNDS);
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      for (const t of round % 2 ? [...targets].reverse() : targets) {
        const before = cpuMs(pids[t.name]!);
        const upstreamBefore = cpuMs(pids.direct!);
        spent[t.name]!.ms += await drive(t.name, perRound, CONCURRENCY);
        spent[t.name]!.cpu += cpuMs(pids[t.name]!) - before;
        spent[t.name]!.upstreamCpu += cpuMs(pids.direct!) - upstreamBefore;
      }
    }
    const measured = perRound * THROUGHPUT_ROUNDS;
    for (const t of targets) {
      const { ms, cpu, upstreamCpu } = spent[t.name]!;
      throughput[t.name] = {
        callsPerS: Math.round((measured / ms) * 1000),
        cpuMsPerCall: round(cpu / measured),
        upstreamCpuMsPerCall: round(upstreamCpu / measured),
      };
    }
    const loadedRss = Object.fromEntries(targets.map((t) => [t.name, rssMiB(pids[t.name]!)]));
    client.stop();
    client = undefined;
    const rows = await ours.stopAndCountRows();
    ours = undefined;
    const rowsBefore = before ? await before.stopAndCountRows() : undefined;
    before = undefined;

    const added = { portkey: round(p50('portkey') - p50('direct')), us: round(p50('us') - p50('direct')) };
    const was = throughput.before
      ? {
          before_added_p50_ms: round(p50('before') - p50('direct')),
          before_calls_per_s: throughput.before.callsPerS,
          before_cpu_ms_per_call: throughput.before.cpuMsPerCall,
          before_idle_rss_mib: idleRss.before!,
          before_rows: rowsBefore!,
          before_expected_rows: callsThroughBefore,
        }
      : {};
    if (throughput.before) console.log(`  before: ${JSON.stringify(was)}`);
    console.log(`  (Portkey ${PORTKEY_VERSION}; ${requests} sequential calls each, interleaved; ${measured} calls each at c=${CONCURRENCY} in ${THROUGHPUT_ROUNDS} interleaved rounds)`);
    for (const t of targets) {
      const tp = throughput[t.name]!;
      console.log(
        `  ${t.name.padEnd(8)} p50 ${round(p50(t.name))} ms  p99 ${round(p99(t.name))} ms   ${tp.callsPerS} calls/s   ` +
          `server CPU ${tp.cpuMsPerCall} ms/call${t.name === 'direct' ? '' : ` (upstream ${tp.upstreamCpuMsPerCall})`}   ` +
          `RSS idle ${idleRss[t.name]} MiB, after load ${loadedRss[t.name]} MiB`,
      );
    }
    const expectedRows = callsThroughUs;
    const ratio = (a: number, b: number) => round(a / b, 2);
    const results: BenchResult[] = [
      {
        name: 'added p50 vs Portkey (sequential)',
        metrics: {
          direct_p50_ms: round(p50('direct')), portkey_added_p50_ms: added.portkey, us_added_p50_ms: added.us, ratio: ratio(added.us, added.portkey),
          portkey_p99_ms: round(p99('portkey')), us_p99_ms: round(p99('us')),
          ...(throughput.before ? { before_added_p50_ms: was.before_added_p50_ms!, before_ratio: ratio(was.before_added_p50_ms!, added.portkey) } : {}),
        },
        target: `added p50 <= 0.8x Portkey's (measured us +${added.us} ms, Portkey +${added.portkey} ms: ${ratio(added.us, added.portkey)}x)`,
        pass: added.us <= 0.8 * added.portkey,
      },
      {
        name: `calls/s at c=${CONCURRENCY}, zero latency`,
        metrics: {
          direct: throughput.direct!.callsPerS, portkey: throughput.portkey!.callsPerS, us: throughput.us!.callsPerS,
          ratio_to_direct: ratio(throughput.us!.callsPerS, throughput.direct!.callsPerS), rows, expected_rows: expectedRows,
          ...(throughput.before
            ? { before: throughput.before.callsPerS, before_ratio_to_direct: ratio(throughput.before.callsPerS, throughput.direct!.callsPerS), before_rows: rowsBefore!, before_expected_rows: callsThroughBefore }
            : {}),
        },
        target:
          `>= 0.65x direct with every row stored (measured ${throughput.us!.callsPerS} vs direct ${throughput.direct!.callsPerS}: ` +
          `${ratio(throughput.us!.callsPerS, throughput.direct!.callsPerS)}x; Portkey ${throughput.portkey!.callsPerS}; rows ${rows}/${expectedRows})`,
        pass: throughput.us!.callsPerS >= 0.65 * throughput.direct!.callsPerS && rows === expectedRows,
      },
      {
        name: `server CPU per call at c=${CONCURRENCY}`,
        metrics: {
          portkey_ms: throughput.portkey!.cpuMsPerCall, us_ms: throughput.us!.cpuMsPerCall, upstream_ms: throughput.direct!.cpuMsPerCall,
          ...(throughput.before ? { before_ms: throughput.before.cpuMsPerCall } : {}),
        },
        target: `<= 0.5 ms (measured us ${throughput.us!.cpuMsPerCall} ms, Portkey ${throughput.portkey!.cpuMsPerCall} ms, the upstream itself ${throughput.direct!.cpuMsPerCall} ms)`,
        pass: throughput.us!.cpuMsPerCall <= 0.5,
      },
      {
        name: 'idle RSS vs Portkey',
        metrics: {
          portkey_mib: idleRss.portkey!, us_mib: idleRss.us!, upstream_mib: idleRss.direct!, ratio: ratio(idleRss.us!, idleRss.portkey!),
          ...(throughput.before ? { before_mib: idleRss.before!, before_ratio: ratio(idleRss.before!, idleRss.portkey!) } : {}),
        },
        target: `<= 1.1x Portkey's (measured us ${idleRss.us} MiB, Portkey ${idleRss.portkey} MiB: ${ratio(idleRss.us!, idleRss.portkey!)}x)`,
        pass: idleRss.us! <= 1.1 * idleRss.portkey!,
      },
    ];
    for (const r of results) console.log(verdict(r));
    return results;
  } finally {
    client?.stop();
    if (ours) await ours.stopAndCountRows().catch(() => 0);
    if (before) await before.stopAndCountRows().catch(() => 0);
    await portkey.stop();
    provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) exitWith(await run(process.argv[2] ? Number(process.argv[2]) : undefined));
