// Failed sign-ins and wrong bearer tokens, counted per client address: past the limit within a
// minute, the address gets 429 with Retry-After until its oldest failure is a minute old. In memory,
// per process: enough to turn guessing the token from a loop into a crawl.
const WINDOW_MS = 60_000;
/** Addresses remembered at once: an attacker rotating addresses cannot grow this without bound. */
const MAX_ADDRESSES = 10_000;

export class AuthThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the address must wait before trying again, or 0. */
  retryAfterS(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.perMinute) return 0;
    return Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - this.now()) / 1000));
  }

  fail(address: string) {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, recent);
    // Forget the address unheard of the longest (Map keeps insertion order).
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(address: string): number[] {
    const since = this.now() - WINDOW_MS;
    return (this.failures.get(address) ?? []).filter((at) => at > since);
  }
}
