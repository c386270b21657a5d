/** Held by exactly one process at a time; lost when that process dies or its connection drops. */
export interface Lease {
  readonly name: string;
  /**
   * This holding's own id, recorded where the lease is kept (platform.leases) when it was taken:
   * a write elsewhere in Postgres can check in its transaction that the lease is still this one's.
   */
  readonly holder: string;
  /** Called once if the lease is lost while held. */
  onLost(listener: (err: Error) => void): void;
  /**
   * Whether the lease is known to be held at this moment: its server confirmed it lately. Asked
   * right before each write the lease guards: a holder that has not heard from the server for a
   * while (a stalled event loop, a slow or cut connection) may have lost it without being told,
   * and must not write on the chance it has not.
   */
  isHeld(): boolean;
  /** Asks the server now: resolves once the lease is known to be held again, rejects if it is lost. */
  confirm(): Promise<void>;
  /**
   * The moment (epoch ms) after which no previous holder can still believe it holds the lease:
   * 0 when the last one gave it up; later when it lost it (its connection was cut, its process
   * died), since it may have gone on writing for a short while before it knew. Writes the lease
   * guards must not begin before then.
   */
  readonly safeAfter: number;
  /** Gives the lease up. The holder promises it writes nothing more under it. */
  release(): Promise<void>;
}

export interface LeaseProvider {
  /** Waits until the named lease is free, takes it, and resolves; or rejects when `signal` aborts. */
  acquire(name: string, signal?: AbortSignal): Promise<Lease>;
}
