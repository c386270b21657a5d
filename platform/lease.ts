/** Held by exactly one process at a time; lost when that process dies or its connection drops. */
export interface Lease {
  readonly name: string;
  /** Called once if the lease is lost while held. */
  onLost(listener: (err: Error) => void): void;
  release(): Promise<void>;
}

export interface LeaseProvider {
  /** Waits until the named lease is free, takes it, and resolves; or rejects when `signal` aborts. */
  acquire(name: string, signal?: AbortSignal): Promise<Lease>;
}
