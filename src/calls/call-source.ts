// Where a captured call came from, for the call list: the source the app wrote into its metadata
// (a caller cannot set that key: see capture/call-metadata.ts) and the row's links, with a page to go to.
import type { RawCall } from '../db/schema';

export interface CallSource {
  /** inference, gateway, study, judge, conversation, embedding, import, or unknown. */
  kind: string;
  /** What the list shows: the kind, and which study or chat. */
  label: string;
  href?: string;
}

const positiveId = (value: unknown): number | undefined => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined);

export function callSource(row: Pick<RawCall, 'metadataJson' | 'batchTaskId' | 'conversationId' | 'clientApi'>): CallSource {
  const metadata = row.metadataJson ?? {};
  const study = positiveId(metadata.batch_id);
  switch (metadata.source) {
    case 'inference':
      return { kind: 'inference', label: 'inference' };
    case 'gateway':
      return { kind: 'gateway', label: `gateway${row.clientApi ? ` · ${row.clientApi}` : ''}` };
    case 'batch':
      // The task link is the row's own column; the study's id is what the runner wrote beside it.
      return row.batchTaskId !== null && study ? { kind: 'study', label: `study ${study}`, href: `/studies/${study}` } : { kind: 'study', label: 'study' };
    case 'judge': {
      const judged = positiveId(metadata.judged_call_id);
      return { kind: 'judge', label: judged ? `judge of #${judged}` : 'judge', ...(study ? { href: `/studies/${study}` } : {}) };
    }
    case 'conversation':
      return row.conversationId !== null
        ? { kind: 'conversation', label: `chat ${row.conversationId}`, href: `/conversations/${row.conversationId}` }
        : { kind: 'conversation', label: 'chat' };
    case 'embeddings':
      return { kind: 'embedding', label: 'embedding' };
    case 'import-v1':
      return { kind: 'import', label: 'imported (v1)' };
  }
  // Rows written before the source was recorded: the API the client used says enough.
  if (row.clientApi === 'inference') return { kind: 'inference', label: 'inference' };
  if (row.clientApi) return { kind: 'gateway', label: `gateway · ${row.clientApi}` };
  return { kind: 'unknown', label: '—' };
}
