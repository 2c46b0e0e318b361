// The end of a scheduled run: its drift against the run before it and, when anything drifted, a
// JSON summary POSTed to STUDY_WEBHOOK_URL — once, with a bounded wait, never retried. The URL
// comes from configuration only; a failure is logged without it (it often carries a token).
import type { Logger } from '../../logging';

/** What the drift check of a run against its baseline found (the summary is sent as it is). */
export interface DriftOutcome {
  drifted: boolean;
  summary: Record<string, unknown>;
}

/** Computes the drift of `runId` against `baselineId` (the drift report service, wired by the app). */
export type DriftSummary = (runId: number, baselineId: number) => Promise<DriftOutcome>;

export interface WebhookTarget {
  url: string;
  timeoutMs: number;
}

/** STUDY_WEBHOOK_URL and its timeout, when a URL is configured. */
export const webhookTarget = (schedules: { webhookUrl?: string; webhookTimeoutMs: number }): WebhookTarget | undefined =>
  schedules.webhookUrl ? { url: schedules.webhookUrl, timeoutMs: schedules.webhookTimeoutMs } : undefined;

export interface DriftNotice {
  event: 'study.drift';
  series_id: number;
  run_id: number;
  baseline_id: number;
  scheduled_for: string | null;
  name: string;
  summary: Record<string, unknown>;
}

/**
 * POSTs the notice once. Answers whether the receiver took it (2xx). A timeout, a refused connection
 * or a non-2xx answer is logged by status or error kind only, and not retried.
 */
export async function postDriftNotice(
  target: WebhookTarget,
  notice: DriftNotice,
  log: { logger: Logger; redact: (text: string) => string },
  fetchImpl: typeof fetch = fetch,
): Promise<boolean> {
  try {
    const response = await fetchImpl(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notice),
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: 'manual',
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) {
      log.logger.info({ event: 'drift_webhook_sent', run_id: notice.run_id, status: response.status });
      return true;
    }
    log.logger.error({ event: 'drift_webhook_failed', run_id: notice.run_id, status: response.status });
  } catch (error) {
    const kind = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${target.timeoutMs} ms` : 'the request failed';
    // The error's message may quote the URL: only its kind and a redacted name are logged.
    log.logger.error({ event: 'drift_webhook_failed', run_id: notice.run_id, error: kind, cause: log.redact(error instanceof Error ? error.name : 'error') });
  }
  return false;
}
