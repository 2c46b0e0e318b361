// Who runs a study, recorded on the study (batches.runner), and whether that runner is gone — so a
// study left "running" by a server that was killed (SIGKILL, a crash, a power cut) can be resumed at
// once on restart instead of after its heartbeat goes stale.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface RunnerIdentity {
  host: string;
  pid: number;
  /** When the process started (ms since the epoch): tells a reused pid from the original process. */
  started: number;
  /** One app instance in this process (tests run several). */
  instance: string;
}

export function currentRunner(): RunnerIdentity {
  return {
    host: hostname(),
    pid: process.pid,
    started: Math.round(Date.now() - process.uptime() * 1000),
    instance: crypto.randomUUID(),
  };
}

export function parseRunner(text: string | null): RunnerIdentity | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RunnerIdentity>;
    if (typeof value.host === 'string' && typeof value.pid === 'number' && typeof value.started === 'number' && typeof value.instance === 'string') {
      return value as RunnerIdentity;
    }
  } catch {
    // not one of ours (a queue run, or an older format): its heartbeat decides
  }
  return undefined;
}

/**
 * Whether `other` is known to be gone, seen from `me`. Only a runner on this host can be checked:
 * its process is gone when no process has its pid, or when its pid is now ours but we started later
 * (a restarted container reuses pid 1). Another app instance of this very process is alive.
 */
export function runnerIsGone(other: RunnerIdentity, me: RunnerIdentity): boolean {
  if (other.host !== me.host) return false;
  if (other.pid === me.pid) return other.started < me.started - START_TOLERANCE_MS;
  const linux = linuxProcess(other.pid);
  if (linux) return linux.gone || Math.abs(linux.startedAt - other.started) > START_TOLERANCE_MS;
  try {
    process.kill(other.pid, 0);
    return false;
  } catch (error) {
    // EPERM: a process with that pid exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** How far a start time read from /proc may be from the one the process recorded itself. */
const START_TOLERANCE_MS = 2000;
/** Clock ticks per second of /proc's start times (USER_HZ: 100 on every mainstream Linux build). */
const USER_HZ = 100;

/**
 * On Linux, /proc tells a killed process nobody has reaped yet (a zombie: kill(pid, 0) still
 * succeeds) from a live one, and a reused pid from the original process (by its start time).
 * Undefined off Linux; `{gone: true}` when /proc has no such process.
 */
function linuxProcess(pid: number): { gone: boolean; startedAt: number } | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const startTicks = Number(fields[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return { gone: state === 'Z' || state === 'X', startedAt: (bootSeconds + startTicks / USER_HZ) * 1000 };
  } catch {
    return { gone: true, startedAt: 0 };
  }
}
