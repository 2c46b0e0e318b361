// Which models served each target of a run, as the provider reported them (raw_calls.served_model
// and system_fingerprint), and whether that changed between two runs. Pure: no I/O.
import type { ServedRow } from './repository';

export interface ServedModels {
  served: Array<{ served_model: string | null; system_fingerprint: string | null; calls: number }>;
  models: string[];
  fingerprints: string[];
}

export const noneServed = (): ServedModels => ({ served: [], models: [], fingerprints: [] });

/** Served models and fingerprints listed per target and run: the most frequent. */
const MAX_SERVED_PER_TARGET = 50;

export function servedByTarget(rows: ServedRow[]): Map<number, ServedModels> {
  const byTarget = new Map<number, ServedModels>();
  const sorted = [...rows].sort((a, b) => a.target_index - b.target_index || b.calls - a.calls);
  for (const row of sorted) {
    let entry = byTarget.get(row.target_index);
    if (!entry) byTarget.set(row.target_index, (entry = noneServed()));
    if (entry.served.length >= MAX_SERVED_PER_TARGET) continue;
    entry.served.push({ served_model: row.served_model, system_fingerprint: row.system_fingerprint, calls: row.calls });
    if (row.served_model !== null && !entry.models.includes(row.served_model)) entry.models.push(row.served_model);
    if (row.system_fingerprint !== null && !entry.fingerprints.includes(row.system_fingerprint)) entry.fingerprints.push(row.system_fingerprint);
  }
  for (const entry of byTarget.values()) {
    entry.models.sort();
    entry.fingerprints.sort();
  }
  return byTarget;
}

/** What changed between the runs, judged only where both runs' providers reported it (calls captured before it was kept have none). */
export function servedChanges(before: ServedModels, after: ServedModels): Array<'model' | 'system_fingerprint'> {
  const differs = (a: string[], b: string[]) => a.length > 0 && b.length > 0 && (a.length !== b.length || a.some((value, i) => value !== b[i]));
  const changes: Array<'model' | 'system_fingerprint'> = [];
  if (differs(before.models, after.models)) changes.push('model');
  if (differs(before.fingerprints, after.fingerprints)) changes.push('system_fingerprint');
  return changes;
}

