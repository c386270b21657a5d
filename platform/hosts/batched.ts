interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(err: unknown): void;
}

/**
 * Lookups by key, gathered: while one fetch is under way the keys asked for meanwhile wait and go
 * together in the next, so a burst of misses costs a few round trips, not one each, and the first
 * key of a quiet moment is fetched at once.
 */
export class Batched<V> {
  private queued = new Map<string, Array<Waiter<V>>>();
  private running = false;

  constructor(private readonly fetch: (keys: string[]) => Promise<ReadonlyMap<string, V>>) {}

  get(key: string): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiting = this.queued.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.queued.set(key, [{ resolve, reject }]);
      this.run();
    });
  }

  private run(): void {
    if (this.running || this.queued.size === 0) return;
    this.running = true;
    const batch = this.queued;
    this.queued = new Map();
    const settle = (each: (w: Waiter<V>, key: string) => void) => {
      for (const [key, waiters] of batch) for (const w of waiters) each(w, key);
      this.running = false;
      this.run();
    };
    this.fetch([...batch.keys()]).then(
      (found) => settle((w, key) => w.resolve(found.get(key))),
      (err: unknown) => settle((w) => w.reject(err)),
    );
  }
}
