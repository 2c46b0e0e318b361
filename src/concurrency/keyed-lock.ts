// Work queued per key: one piece of work per key at a time, in the order asked (others run freely).
export class KeyedLock {
  private readonly tails = new Map<number | string, Promise<unknown>>();

  async run<T>(key: number | string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }
}
