export interface SharedLease<T> {
  value: T;
  /** Lets go; the last to let go closes it. A plain function: holders take it out of the lease. */
  release: () => Promise<void>;
}

/**
 * One of something for the roles of a process: opened by the first role that asks, closed when
 * the last lets go. One that failed to open is forgotten, so the next to ask tries again.
 */
export function processShared<T>(
  open: () => Promise<T>,
  close: (value: T) => Promise<void>,
): () => Promise<SharedLease<T>> {
  let current: { value: Promise<T>; users: number } | null = null;
  return async () => {
    current ??= { value: open(), users: 0 };
    const c = current;
    c.users++;
    let value: T;
    try {
      value = await c.value;
    } catch (err) {
      c.users--;
      if (current === c) current = null;
      throw err;
    }
    let released = false;
    return {
      value,
      async release() {
        if (released) return;
        released = true;
        if (--c.users > 0) return;
        if (current === c) current = null;
        await close(value);
      },
    };
  };
}
