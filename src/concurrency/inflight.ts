// In-flight dedup: identical requests running at the same moment share one provider call.
// Each caller still captures its own row; followers are marked deduplicated in metadata.

export class InflightRequests {
  private readonly running = new Map<string, Promise<unknown>>();

  /** Runs `work` unless an identical request (same key) is already running; then shares its result. */
  async share<T>(key: string, work: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const existing = this.running.get(key) as Promise<T> | undefined;
    if (existing) return { value: await existing, shared: true };
    const promise = work();
    this.running.set(key, promise);
    try {
      return { value: await promise, shared: false };
    } finally {
      this.running.delete(key);
    }
  }

  get size() {
    return this.running.size;
  }
}
