import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { ProviderRegistry } from '../../providers/registry';
import { configuredProvider, isRunAlive, percentDone, processHost, ProviderGates, queueHost, takeoverOf } from './background-run';
import { currentRunner } from './runner-identity';

const secondsAgo = (s: number, now: number) => new Date(now - s * 1000).toISOString();

describe('whether a background run is alive', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const host = { staleAfterMs: 30_000, runIsGone: (run: { runner: string | null }) => run.runner === 'dead' };

  it('is alive while its heartbeat is fresh and its runner not known gone', () => {
    expect(isRunAlive(host, { runner: 'live', heartbeatAt: secondsAgo(29, now) }, now)).toBe(true);
    expect(isRunAlive(host, { runner: 'live', heartbeatAt: secondsAgo(31, now) }, now)).toBe(false);
    expect(isRunAlive(host, { runner: 'live', heartbeatAt: null }, now)).toBe(false);
    expect(isRunAlive(host, { runner: 'dead', heartbeatAt: secondsAgo(1, now) }, now)).toBe(false);
  });

  it('gives a claim the stale threshold and the runs whose runner is gone', () => {
    const takeover = takeoverOf(host, [{ runId: 'a', runner: 'live' }, { runId: 7, runner: 'dead' }, { runId: null, runner: 'dead' }], now);
    expect(takeover).toEqual({ staleBefore: secondsAgo(30, now), deadRunIds: [7] });
  });

  it('takes a queue run to be alive for 15 minutes without progress, whoever asks', () => {
    expect(queueHost.runIsGone({ runner: 'queue' })).toBe(false);
    expect(isRunAlive(queueHost, { runner: 'queue', heartbeatAt: secondsAgo(14 * 60, now) }, now)).toBe(true);
    expect(isRunAlive(queueHost, { runner: 'queue', heartbeatAt: secondsAgo(16 * 60, now) }, now)).toBe(false);
  });
});

describe('a run recorded by a process (processHost)', () => {
  const host = processHost();
  const recordedBy = (identity: object) => ({ runner: JSON.stringify(identity) });
  const child = () => {
    const process = spawn(globalThis.process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { stdio: 'ignore' });
    return { process, exited: new Promise<void>((resolve) => process.once('exit', () => resolve())) };
  };
  // What the child would record (currentRunner): it started a moment ago, well within the 2 s the check allows.
  const identityOf = (pid: number) => ({ host: hostname(), pid, started: Date.now(), instance: crypto.randomUUID() });

  it('is gone once its process has exited, alive while it runs', async () => {
    const { process, exited } = child();
    const identity = identityOf(process.pid!);
    expect(host.runIsGone(recordedBy(identity))).toBe(false);
    process.kill('SIGKILL');
    await exited;
    expect(host.runIsGone(recordedBy(identity))).toBe(true);
  });

  it('is gone when its pid now belongs to a process started long after it (a reused pid)', async () => {
    const { process, exited } = child();
    try {
      const identity = { ...identityOf(process.pid!), started: Date.now() - 3_600_000 };
      expect(host.runIsGone(recordedBy(identity))).toBe(true);
    } finally {
      process.kill('SIGKILL');
      await exited;
    }
  });

  it('is never declared gone when it is this app instance, or runs on another host', () => {
    expect(host.runIsGone({ runner: host.runner })).toBe(false);
    expect(host.runIsGone(recordedBy({ ...currentRunner(), host: 'elsewhere', pid: 999_999_999 }))).toBe(false);
    expect(host.runIsGone({ runner: 'queue' })).toBe(false);
    expect(host.runIsGone({ runner: null })).toBe(false);
  });
});

describe('one backoff gate per provider', () => {
  it('pauses every call to a provider after a 429 on one of them, and no call to another', async () => {
    const gates = new ProviderGates();
    expect(gates.gate('openai')).toBe(gates.gate('openai'));
    const started = Date.now();
    gates.retryHooks('openai').onRetry!({ attempt: 1, delayMs: 150, error: Object.assign(new Error('rate limited'), { status: 429 }) as never });
    gates.retryHooks('azure').onRetry!({ attempt: 1, delayMs: 5_000, error: Object.assign(new Error('server error'), { status: 500 }) as never });
    expect(gates.gate('azure').pausedUntil).toBe(0);
    expect(gates.gate('openai').pausedUntil).toBeGreaterThanOrEqual(started + 150);
    await gates.retryHooks('openai').beforeAttempt!();
    expect(Date.now()).toBeGreaterThanOrEqual(started + 150);
  });
});

describe('the unknown-provider refusal', () => {
  const providers = ProviderRegistry.fromConfig(loadConfig({}));

  it('answers a configured provider, and refuses another with a 400 naming the field', () => {
    expect(configuredProvider(providers, 'echo', 'targets.0.provider').name).toBe('echo');
    expect(() => configuredProvider(providers, 'nowhere', 'scorers.1.target.provider')).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'unknown_provider',
        message: expect.stringMatching(/^scorers\.1\.target\.provider: unknown provider "nowhere" \(configured: echo/),
        details: [{ path: 'scorers.1.target.provider', message: 'unknown provider "nowhere"' }],
      }),
    );
  });
});

describe('progress', () => {
  it('is a percentage with one decimal, 100 when there is nothing to do', () => {
    expect(percentDone(1, 3)).toBe(33.3);
    expect(percentDone(0, 0)).toBe(100);
    expect(percentDone(5, 4)).toBe(100);
  });
});
