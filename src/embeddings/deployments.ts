// Deployment validation for embeddings: what the first request to each (provider, model) learnt,
// kept for the life of the app. A missing deployment is remembered; a transient failure is not.
import { AppError } from '../errors';
import type { ProviderError } from '../providers/types';

type Missing = { kind: 'missing'; callId: number; message: string };
type State = { kind: 'valid' } | Missing | { kind: 'probing'; settled: Promise<void> };
export interface Probe {
  valid(): void;
  /** Ends the probe; if it taught nothing (a transient failure), the next request probes again. */
  settle(): void;
}

export class DeploymentMemo {
  private readonly states = new Map<string, State>();

  /**
   * What is known, once any probe in flight has finished — or, when nothing is, a probe that this
   * caller must run. The check and the claim happen in one synchronous step, so two first requests
   * never both probe.
   */
  async acquire(key: string): Promise<{ kind: 'valid' } | Missing | { kind: 'probe'; probe: Probe }> {
    let state = this.states.get(key);
    while (state?.kind === 'probing') {
      await state.settled;
      state = this.states.get(key);
    }
    return state ?? { kind: 'probe', probe: this.startProbe(key) };
  }

  markValid(key: string) {
    this.states.set(key, { kind: 'valid' });
  }

  /** Marks a probe in flight: other requests for the same deployment wait for `settle()`. */
  private startProbe(key: string): Probe {
    let resolve!: () => void;
    this.states.set(key, { kind: 'probing', settled: new Promise<void>((r) => (resolve = r)) });
    return {
      valid: () => this.markValid(key),
      settle: () => {
        if (this.states.get(key)?.kind === 'probing') this.states.delete(key);
        resolve();
      },
    };
  }

  /** Remembers a missing deployment (404 / DeploymentNotFound); any other failure teaches nothing. */
  failed(key: string, error: ProviderError, callId: number): Missing | undefined {
    if (error.status !== 404 && error.options.code !== 'DeploymentNotFound') return undefined;
    const missing: Missing = { kind: 'missing', callId, message: error.message };
    this.states.set(key, missing);
    return missing;
  }
}

export function deploymentMissing(provider: string, model: string, known: { callId: number; message: string }) {
  return new AppError(
    400,
    'deployment_not_found',
    `model: ${provider} has no model or deployment "${model}" (the provider said: ${known.message})`,
    [{ path: 'model', message: 'no such model or deployment', call_id: known.callId }],
  );
}
