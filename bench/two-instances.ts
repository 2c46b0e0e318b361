// Issue 24: two app processes (`node dist/server/node.js`, as `npm start` runs it) on one libSQL
// server (sqld, started as the tests start it: test/support/sqld.ts), against one on the embedded
// file. Gateway traffic is split across both instances while a study runs on one of them; every
// call must end in exactly one row (counted exactly, and the bench fails otherwise), and the
// derived data both instances fold in must count every row once. Reports calls/s and the added p50
// of a sequential gateway call against the embedded file, and what a captured row costs over the
// network (the call writer's commit on sqld, one row alone and 64 together).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import { createClient } from '@libsql/client';
import { catchUpDerivedData } from '../src/analytics/catch-up';
import { CallWriter } from '../src/capture/call-writer';
import { openDatabase, wrapClient, type DatabaseHandle } from '../src/db/client';
import type { NewRawCall } from '../src/db/schema';
import { nativeCallInserter } from '../src/node/native-call-inserter';
import { undiciRequestFetch } from '../src/node/node-fetch';
import { startSqld } from '../test/support/sqld';
import { buildServer, startServer, type ServerProcess } from '../test/support/server';
import { isMain, percentile, startFakeProvider, verdict, type BenchResult } from './support';

const SEQUENTIAL = Number(process.env.BENCH_TWO_SEQUENTIAL ?? 500);
const WARMUP = 100;
const GATEWAY_CALLS = Number(process.env.BENCH_TWO_GATEWAY_CALLS ?? 4_000);
const STUDY_TASKS = Number(process.env.BENCH_TWO_STUDY_TASKS ?? 2_000);
const CLIENT_CONCURRENCY = 32;
const STUDY_CONCURRENCY = 16;
const MIXED_LOAD_DEADLINE_MS = Number(process.env.BENCH_TWO_DEADLINE_MS ?? 180_000);

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const sdk = (baseURL: string) => new OpenAI({ baseURL, apiKey: 'sk-bench', maxRetries: 0, fetch: undiciRequestFetch() });

async function call(client: OpenAI, model: string, i: number): Promise<number> {
  const started = performance.now();
  const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `Two instances, prompt ${i}: name a colour.` }] });
  if (!answer.choices[0]?.message.content) throw new Error('empty answer');
  return performance.now() - started;
}

/** p50 of sequential calls made each way in turn (direct, embedded, instance a, instance b), after a warm-up. */
async function sequentialP50(ways: Record<string, (i: number) => Promise<number>>) {
  const names = Object.keys(ways);
  const times = new Map(names.map((n) => [n, [] as number[]]));
  for (let i = 0; i < WARMUP + SEQUENTIAL; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const ms = await ways[name]!(i);
      if (i >= WARMUP) times.get(name)!.push(ms);
    }
  }
  return Object.fromEntries([...times].map(([n, t]) => [n, round(percentile(t.sort((x, y) => x - y), 50))]));
}

/** A study on `on` and gateway calls split over `gateways` at once; resolves with the wall time. */
async function mixedLoad(on: ServerProcess, gateways: ServerProcess[], tag: string) {
  const started = performance.now();
  const created = await fetch(`${on.base}/api/v1/studies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `two-instances ${tag}`,
      items: Array.from({ length: STUDY_TASKS }, (_, i) => ({ prompt: `Study ${tag} item ${i}: name a colour.` })),
      targets: [{ provider: 'openai', model: 'bench-model' }],
      concurrency: STUDY_CONCURRENCY,
    }),
  });
  if (created.status !== 202 && created.status !== 201) throw new Error(`study not started: ${created.status} ${await created.text()}`);
  const study = (await created.json()) as { id: number };
  const clients = gateways.map((g) => sdk(`${g.base}/v1`));
  const limit = pLimit(CLIENT_CONCURRENCY);
  const gateway = Promise.all(Array.from({ length: GATEWAY_CALLS }, (_, i) => limit(() => call(clients[i % clients.length]!, 'openai/bench-model', i))));
  const gatewayDone = gateway.then(() => performance.now() - started);
  // A failed gateway call ends the bench at once (not as an unhandled rejection that skips the cleanup).
  let gatewayError: unknown;
  gatewayDone.catch((error) => {
    gatewayError = error;
  });
  for (;;) {
    if (gatewayError) throw gatewayError;
    // A stalled database fails the bench instead of hanging `npm run bench`.
    if (performance.now() - started > MIXED_LOAD_DEADLINE_MS) throw new Error(`the ${tag} load did not finish in ${MIXED_LOAD_DEADLINE_MS / 1000} s`);
    const left = Math.max(1, Math.round(MIXED_LOAD_DEADLINE_MS - (performance.now() - started)));
    const progress = (await (await fetch(`${on.base}/api/v1/studies/${study.id}`, { signal: AbortSignal.timeout(left) })).json()) as { status: string };
    if (progress.status === 'completed') break;
    if (['failed', 'cancelled', 'interrupted'].includes(progress.status)) throw new Error(`study ${progress.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const studyMs = performance.now() - started;
  const gatewayMs = await gatewayDone;
  return { studyId: study.id, seconds: Math.max(studyMs, gatewayMs) / 1000, gatewaySeconds: gatewayMs / 1000, studySeconds: studyMs / 1000 };
}

/** Rows by kind, counted exactly: gateway calls (by their API), study rows, and what the derived data counts. */
async function counts(database: DatabaseHandle, studyId: number) {
  await catchUpDerivedData(database.db);
  const result = await database.client.execute({
    sql: `SELECT (SELECT count(*) FROM raw_calls) AS rows,
                 (SELECT count(*) FROM raw_calls WHERE client_api = 'chat.completions') AS gateway,
                 (SELECT count(*) FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id WHERE t.batch_id = ?) AS study,
                 (SELECT tasks_success FROM batches WHERE group_id = ?) AS study_done,
                 (SELECT coalesce(sum(calls), 0) FROM call_rollup_daily) AS rolled_up,
                 (SELECT count(*) FROM raw_calls_fts) AS indexed`,
    args: [studyId, studyId],
  });
  const row = result.rows[0]!;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as Record<'rows' | 'gateway' | 'study' | 'study_done' | 'rolled_up' | 'indexed', number>;
}

const sampleRow = (i: number): NewRawCall => ({
  provider: 'openai',
  model: 'bench-model',
  modality: 'chat',
  status: 'success',
  requestJson: { model: 'bench-model', messages: [{ role: 'user', content: `Network row ${i}: name a colour.` }] },
  responseJson: { text: 'Blue.', raw: { id: `chatcmpl-${i}`, choices: [{ index: 0, message: { role: 'assistant', content: 'Blue.' }, finish_reason: 'stop' }] } },
  errorJson: null,
  latencyMs: 1.5,
  tokensJson: { prompt: 12, completion: 2, total: 14 },
  promptTokens: 12,
  completionTokens: 2,
  totalTokens: 14,
  requestHash: `network-${i}`,
  metadataJson: { source: 'bench' },
});

/** The call writer's commit: ms for one row alone (sequential) and µs per row when 64 commit together. */
async function rowCost(writer: CallWriter) {
  const single: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await writer.insert(sampleRow(i));
    single.push(performance.now() - started);
  }
  const waves = 20;
  const started = performance.now();
  for (let w = 0; w < waves; w++) await Promise.all(Array.from({ length: 64 }, (_, i) => writer.insert(sampleRow(1000 + w * 64 + i))));
  return { single_row_ms_p50: round(percentile(single.sort((a, b) => a - b), 50)), wave_of_64_us_per_row: round(((performance.now() - started) * 1000) / (waves * 64)) };
}

export async function run(): Promise<BenchResult[]> {
  await buildServer();
  const dir = mkdtempSync(join(tmpdir(), 'bench-two-instances-'));
  const [sqld, provider] = await Promise.all([startSqld(dir), startFakeProvider(0)]);
  const servers: ServerProcess[] = [];
  const remote = wrapClient(createClient({ url: sqld.url, authToken: sqld.authToken }));
  let embeddedDb: DatabaseHandle | undefined;
  try {
    const shared = { DATABASE_URL: sqld.url, DATABASE_AUTH_TOKEN: sqld.authToken, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: provider.url };
    // One after the other: the first migrates the database, the second finds it migrated.
    const a = await startServer(shared, { prebuilt: true });
    servers.push(a);
    const b = await startServer(shared, { prebuilt: true });
    servers.push(b);
    const embeddedPath = join(dir, 'embedded.db');
    const embedded = await startServer({ ...shared, DATABASE_URL: `file:${embeddedPath}`, DATABASE_AUTH_TOKEN: '' }, { prebuilt: true });
    servers.push(embedded);

    const p50 = await sequentialP50({
      direct: (i) => call(sdk(provider.url), 'bench-model', i),
      embedded: (i) => call(sdk(`${embedded.base}/v1`), 'openai/bench-model', i),
      'sqld, instance a': (i) => call(sdk(`${a.base}/v1`), 'openai/bench-model', i),
      'sqld, instance b': (i) => call(sdk(`${b.base}/v1`), 'openai/bench-model', i),
    });
    const added = (way: string) => round(p50[way]! - p50.direct!);
    console.log(
      `sequential gateway call p50: direct ${p50.direct} ms; embedded file ${p50.embedded} ms (+${added('embedded')}); ` +
        `sqld a ${p50['sqld, instance a']} ms (+${added('sqld, instance a')}), b ${p50['sqld, instance b']} ms (+${added('sqld, instance b')})`,
    );

    const alone = await mixedLoad(embedded, [embedded], 'embedded');
    const two = await mixedLoad(a, [a, b], 'sqld');
    const callsPerS = (load: { seconds: number }) => Math.round((GATEWAY_CALLS + STUDY_TASKS) / load.seconds);
    console.log(
      `${GATEWAY_CALLS} gateway calls (${CLIENT_CONCURRENCY} at a time) and a study of ${STUDY_TASKS} tasks (concurrency ${STUDY_CONCURRENCY}) at once: ` +
        `one instance on the embedded file ${alone.seconds.toFixed(2)} s = ${callsPerS(alone)} calls/s; ` +
        `two instances on sqld ${two.seconds.toFixed(2)} s = ${callsPerS(two)} calls/s (gateway ${two.gatewaySeconds.toFixed(2)} s, study ${two.studySeconds.toFixed(2)} s)`,
    );

    // Made before the servers stop: whatever they still had to fold is folded here, once.
    const sharedCounts = await counts(remote, two.studyId);
    embeddedDb = await openDatabase(`file:${embeddedPath}`);
    const embeddedCounts = await counts(embeddedDb, alone.studyId);
    // Sequential calls: WARMUP + SEQUENTIAL through each instance; the mixed loads' gateway calls and study tasks.
    const sequentialEach = WARMUP + SEQUENTIAL;
    const expected = {
      sqld: { rows: 2 * sequentialEach + GATEWAY_CALLS + STUDY_TASKS, gateway: 2 * sequentialEach + GATEWAY_CALLS, study: STUDY_TASKS, study_done: STUDY_TASKS },
      embedded: { rows: sequentialEach + GATEWAY_CALLS + STUDY_TASKS, gateway: sequentialEach + GATEWAY_CALLS, study: STUDY_TASKS, study_done: STUDY_TASKS },
    };
    const exact = (got: Record<string, number>, want: Record<string, number>) =>
      Object.entries(want).every(([k, v]) => got[k] === v) && got.rolled_up === got.rows && got.indexed === got.rows;
    console.log(`rows on sqld: ${JSON.stringify(sharedCounts)} (expected ${JSON.stringify(expected.sqld)}, rolled_up and indexed = rows)`);
    console.log(`rows on the embedded file: ${JSON.stringify(embeddedCounts)} (expected ${JSON.stringify(expected.embedded)})`);

    const network = await rowCost(new CallWriter(remote.db));
    const inserter = nativeCallInserter(`file:${embeddedPath}`);
    const local = await rowCost(new CallWriter(embeddedDb.db, inserter));
    inserter?.close?.();
    console.log(
      `a captured row's commit: over the network (sqld, Hrana over HTTP) ${network.single_row_ms_p50} ms alone, ${network.wave_of_64_us_per_row} µs a row in a wave of 64; ` +
        `embedded file ${local.single_row_ms_p50} ms alone, ${local.wave_of_64_us_per_row} µs a row in a wave of 64`,
    );

    const countsResult: BenchResult = {
      name: 'two instances on one sqld: every call exactly one row',
      metrics: { ...Object.fromEntries(Object.entries(sharedCounts).map(([k, v]) => [`sqld_${k}`, v])), ...Object.fromEntries(Object.entries(embeddedCounts).map(([k, v]) => [`embedded_${k}`, v])) },
      target: `rows, gateway rows, study rows exactly as many as calls made, each folded once (sqld ${sharedCounts.rows}/${expected.sqld.rows} rows, embedded ${embeddedCounts.rows}/${expected.embedded.rows})`,
      pass: exact(sharedCounts, expected.sqld) && exact(embeddedCounts, expected.embedded),
    };
    const speedResult: BenchResult = {
      name: 'two instances on one sqld: throughput and added latency',
      metrics: {
        direct_p50_ms: p50.direct!,
        embedded_added_p50_ms: added('embedded'),
        sqld_a_added_p50_ms: added('sqld, instance a'),
        sqld_b_added_p50_ms: added('sqld, instance b'),
        embedded_calls_per_s: callsPerS(alone),
        sqld_two_instances_calls_per_s: callsPerS(two),
        sqld_row_commit_ms_p50: network.single_row_ms_p50,
        sqld_wave_us_per_row: network.wave_of_64_us_per_row,
        embedded_row_commit_ms_p50: local.single_row_ms_p50,
        embedded_wave_us_per_row: local.wave_of_64_us_per_row,
      },
      target: 'informational',
      pass: null,
    };
    console.log(verdict(countsResult));
    return [countsResult, speedResult];
  } catch (error) {
    // What the servers logged about it (their error lines) says more than the client's 500.
    for (const [i, s] of servers.entries()) {
      const errors = s.output.join('').split('\n').filter((line) => /"level":"error"|Error/.test(line));
      if (errors.length) console.error(`server ${i} logged:\n${errors.slice(0, 10).join('\n')}`);
    }
    throw error;
  } finally {
    await Promise.all(servers.map((s) => s.kill()));
    embeddedDb?.close();
    remote.close();
    provider.stop();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const results = await run();
  process.exit(results.some((r) => r.pass === false) ? 1 : 0);
}
