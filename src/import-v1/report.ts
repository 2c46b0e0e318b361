// Backfill validation for a v1 import: v1 and v2 compared on counts, batch sizes, timestamp ranges
// and a sample of rows field by field. Reads both databases; changes neither.
import type { Client, Row } from '@libsql/client';
import {
  callRow, importedBatchGroup, importedBatchSizes, importedCallIds, importedRunCount, importedTimeRange, isGroupMember,
  v1BatchSizes, v1ColumnNames, v1RunAtOffset, v1RunCount, v1SelectList, v1TimestampPage,
} from './repository';
import { canonicalJson } from '../capture/request-hash';
import { parseJson, v1TimestampToIso, type ImportCounts, type ImportTarget } from './import';

export interface FieldMismatch {
  v1_id: number;
  call_id: number | null;
  field: string;
  v1: unknown;
  v2: unknown;
}

export interface BackfillReport {
  counts: { v1: number; v2: number; ok: boolean };
  batches: {
    v1: number;
    v2: number;
    members: { v1: number; v2: number };
    mismatched: Array<{ batch_id: string; group_id: number | null; v1_size: number; v2_size: number }>;
    ok: boolean;
  };
  timestamps: { v1: { first: string | null; last: string | null }; v2: { first: string | null; last: string | null }; ok: boolean };
  sample: { size: number; fields: string[]; mismatches: FieldMismatch[]; ok: boolean };
  ok: boolean;
}

const RANGE_PAGE_SIZE = 1000;
const SAMPLE_FIELDS = ['status', 'provider', 'prompt', 'response', 'tokens', 'latency_ms', 'created_at', 'metadata', 'batch'];

export async function validateBackfill(target: ImportTarget, legacy: Client, options: { sampleSize?: number } = {}): Promise<BackfillReport> {
  const present = await v1ColumnNames(legacy);
  const select = v1SelectList(present);
  const v1Count = await v1RunCount(legacy);
  const v2Count = await importedRunCount(target.client);

  const batches = await compareBatches(target, legacy, present.has('batch_id'));

  const timestamps = {
    v1: await v1TimeRange(legacy),
    v2: await importedTimeRange(target.client),
    ok: false,
  };
  timestamps.ok = timestamps.v1.first === timestamps.v2.first && timestamps.v1.last === timestamps.v2.last;

  const mismatches: FieldMismatch[] = [];
  const size = Math.min(options.sampleSize ?? 25, v1Count);
  for (const offset of spacedOffsets(v1Count, size)) {
    const v1 = await v1RunAtOffset(legacy, select, offset);
    if (v1) mismatches.push(...(await compareRow(target.client, v1)));
  }

  const report: BackfillReport = {
    counts: { v1: v1Count, v2: v2Count, ok: v1Count === v2Count },
    batches,
    timestamps,
    sample: { size, fields: SAMPLE_FIELDS, mismatches, ok: mismatches.length === 0 },
    ok: false,
  };
  report.ok = report.counts.ok && report.batches.ok && report.timestamps.ok && report.sample.ok;
  return report;
}

/**
 * The earliest and latest v1 created_at, compared as times: v1 rows mix formats ("2024-03-05 10:00",
 * "2024-03-05T04:00+05:00") whose text order is not their time order.
 */
async function v1TimeRange(legacy: Client): Promise<{ first: string | null; last: string | null }> {
  let first: string | null = null;
  let last: string | null = null;
  for (let after = Number.MIN_SAFE_INTEGER; ; ) {
    const page = await v1TimestampPage(legacy, after, RANGE_PAGE_SIZE);
    for (const row of page) {
      const iso = v1TimestampToIso(row.createdAt); // ISO-8601 in UTC: text order is time order
      if (iso === null) continue;
      if (first === null || iso < first) first = iso;
      if (last === null || iso > last) last = iso;
    }
    if (page.length < RANGE_PAGE_SIZE) break;
    after = page[page.length - 1]!.id;
  }
  return { first, last };
}

async function compareBatches(target: ImportTarget, legacy: Client, hasBatches: boolean): Promise<BackfillReport['batches']> {
  const v1Sizes = hasBatches ? await v1BatchSizes(legacy) : [];
  const v2 = new Map((await importedBatchSizes(target.client)).map((b) => [b.batchId, b]));
  const mismatched: BackfillReport['batches']['mismatched'] = [];
  let v1Members = 0;
  for (const { batchId, runs } of v1Sizes) {
    const found = v2.get(batchId);
    v1Members += runs;
    if (!found || found.members !== runs) {
      mismatched.push({ batch_id: batchId, group_id: found?.groupId ?? null, v1_size: runs, v2_size: found?.members ?? 0 });
    }
  }
  const v2Members = [...v2.values()].reduce((sum, b) => sum + b.members, 0);
  return {
    v1: v1Sizes.length,
    v2: v2.size,
    members: { v1: v1Members, v2: v2Members },
    mismatched,
    ok: mismatched.length === 0 && v1Sizes.length === v2.size,
  };
}

/** Every field of one v1 row against the call it became. */
async function compareRow(client: Client, v1: Row): Promise<FieldMismatch[]> {
  const v1Id = Number(v1.id);
  const callId = (await importedCallIds(client, [v1Id])).get(v1Id) ?? null;
  const call = callId === null ? undefined : await callRow(client, callId);
  if (!call) return [{ v1_id: v1Id, call_id: callId, field: 'call', v1: 'present', v2: 'missing' }];
  const request = parseJson(call.request_json) as { prompt?: unknown };
  const response = parseJson(call.response_json) as { text?: unknown } | undefined;
  const metadata = parseJson(call.metadata_json) as { v1_metadata?: unknown };
  let inBatch: boolean | null = null;
  if (v1.batch_id != null) {
    const groupId = await importedBatchGroup(client, String(v1.batch_id));
    inBatch = groupId !== null && (await isGroupMember(client, groupId, callId!));
  }
  const pairs: Array<[string, unknown, unknown]> = [
    ['status', 'success', call.status],
    ['provider', v1.provider, call.provider],
    ['prompt', v1.prompt, request?.prompt],
    ['response', v1.response, response?.text],
    ['tokens', v1.tokens == null ? null : Number(v1.tokens), call.total_tokens == null ? null : Number(call.total_tokens)],
    ['latency_ms', v1.latency_ms == null ? null : Number(v1.latency_ms), call.latency_ms == null ? null : Number(call.latency_ms)],
    ['created_at', v1TimestampToIso(v1.created_at), call.created_at],
    ['metadata', canonicalJson(parseJson(v1.metadata) ?? null), canonicalJson(metadata?.v1_metadata ?? null)],
    ['batch', v1.batch_id == null ? null : true, v1.batch_id == null ? null : inBatch],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([field, a, b]) => ({ v1_id: v1Id, call_id: callId, field, v1: a, v2: b }));
}

/** `size` offsets spread evenly over [0, count), first and last included. */
function spacedOffsets(count: number, size: number): number[] {
  if (size <= 0) return [];
  if (size === 1) return [0];
  return [...new Set(Array.from({ length: size }, (_, i) => Math.round((i * (count - 1)) / (size - 1))))];
}

const short = (value: unknown, max = 80) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

/** The report as lines a person reads after `npm run import:v1`. */
export function formatBackfillReport(report: BackfillReport, counts?: ImportCounts): string[] {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'DIFF');
  const lines: string[] = [];
  if (counts) {
    lines.push(
      `imported ${counts.runs_imported} run(s), ${counts.runs_already_imported} already imported; ` +
        `${counts.batches_created} batch group(s) created, ${counts.members_added} member(s) added`,
    );
  }
  lines.push('backfill validation:');
  lines.push(`  ${mark(report.counts.ok)} rows: v1 ${report.counts.v1}, v2 ${report.counts.v2}`);
  const b = report.batches;
  lines.push(`  ${mark(b.ok)} batches: v1 ${b.v1} (${b.members.v1} runs), v2 ${b.v2} groups (${b.members.v2} members)`);
  for (const m of b.mismatched.slice(0, 20)) {
    lines.push(`         batch ${m.batch_id}: v1 ${m.v1_size} runs, v2 ${m.v2_size} members${m.group_id === null ? ' (no group)' : ` (group ${m.group_id})`}`);
  }
  const t = report.timestamps;
  lines.push(`  ${mark(t.ok)} timestamps: v1 ${t.v1.first ?? '—'} … ${t.v1.last ?? '—'}, v2 ${t.v2.first ?? '—'} … ${t.v2.last ?? '—'}`);
  const s = report.sample;
  lines.push(`  ${mark(s.ok)} sample: ${s.size} row(s) compared on ${s.fields.join(', ')}; ${s.mismatches.length} difference(s)`);
  for (const m of s.mismatches.slice(0, 20)) {
    lines.push(`         v1 #${m.v1_id} → call ${m.call_id ?? '—'}: ${m.field}: v1 ${short(m.v1)} ≠ v2 ${short(m.v2)}`);
  }
  lines.push(report.ok ? 'result: v1 and v2 agree' : 'result: v1 and v2 DISAGREE');
  return lines;
}
