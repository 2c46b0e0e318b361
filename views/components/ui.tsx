// Small shared pieces of the pages: status badges, JSON blocks, error boxes, numbers.
import type { Child } from 'hono/jsx';

export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status}</span>;
}

export function JsonBlock(props: { value: unknown; label?: string }) {
  return (
    <details open class="json">
      <summary>{props.label ?? 'JSON'}</summary>
      <pre>{props.value === null || props.value === undefined ? 'null' : JSON.stringify(props.value, null, 2)}</pre>
    </details>
  );
}

export function ErrorBox(props: { message: string; details?: unknown }) {
  return (
    <div class="error-box" role="alert">
      <strong>Error:</strong> {props.message}
    </div>
  );
}

export function Card(props: { label: string; value: Child }) {
  return (
    <div class="card">
      <div class="card-label">{props.label}</div>
      <div class="card-value">{props.value}</div>
    </div>
  );
}

export const formatMs = (ms: number | null | undefined) => (ms == null ? '—' : `${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms`);
export const formatUsd = (usd: number | null | undefined) => (usd == null ? 'unpriced' : `$${usd.toFixed(usd < 0.01 ? 6 : 4)}`);
