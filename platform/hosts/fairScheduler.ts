/** How many jobs may run at once: in all, for one user, for one stream (aggregate). */
export interface FairLimits {
  total: number;
  perUser: number;
  perStream: number;
}

export interface FairJob {
  /** What identifies the work: a job whose key is queued or running is not taken again. */
  key: string;
  user: string;
  stream: string;
  run(): Promise<void>;
}

/**
 * Runs jobs under a total concurrency, giving each user at most `perUser` of it and each stream
 * at most `perStream`. Jobs over a cap wait here; a freed slot goes to the next user in turn
 * (round-robin), so one user's backlog, however long, only delays that user. A user's jobs on
 * one stream start in the order they came.
 */
export class FairScheduler {
  private readonly known = new Set<string>();
  /** Per user, per stream, the waiting jobs; Maps keep arrival order. */
  private readonly waiting = new Map<string, Map<string, FairJob[]>>();
  /** Users with waiting jobs, in turn order. */
  private readonly ring: string[] = [];
  private turn = 0;
  private active = 0;
  private readonly byUser = new Map<string, number>();
  private readonly byStream = new Map<string, number>();
  private idle: Array<() => void> = [];

  constructor(
    private readonly limits: FairLimits,
    private readonly onError: (err: unknown, job: FairJob) => void = () => undefined,
  ) {
    for (const [name, n] of Object.entries(limits))
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`${name} must be a whole number of at least 1, got ${n}`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.known.size - this.active;
  }

  /** False when a job with this key is already queued or running (it is not taken twice). */
  submit(job: FairJob): boolean {
    if (this.known.has(job.key)) return false;
    this.known.add(job.key);
    let streams = this.waiting.get(job.user);
    if (!streams) {
      streams = new Map();
      this.waiting.set(job.user, streams);
      this.ring.push(job.user);
    }
    const list = streams.get(job.stream);
    if (list) list.push(job);
    else streams.set(job.stream, [job]);
    this.pump();
    return true;
  }

  /** Forgets the jobs that have not started (their owner will offer them again). */
  dropQueued(): number {
    let dropped = 0;
    for (const streams of this.waiting.values())
      for (const list of streams.values())
        for (const job of list) {
          this.known.delete(job.key);
          dropped++;
        }
    this.waiting.clear();
    this.ring.length = 0;
    this.turn = 0;
    return dropped;
  }

  /** Resolves once no job runs. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    // A full turn of the ring without starting anything: everyone left is at a cap.
    let misses = 0;
    while (this.active < this.limits.total && this.ring.length > 0 && misses < this.ring.length) {
      if (this.turn >= this.ring.length) this.turn = 0;
      const user = this.ring[this.turn];
      if (user === undefined) throw new Error('fair scheduler: the turn is past the ring');
      const streams = this.waiting.get(user);
      if (!streams) throw new Error('fair scheduler: a user in the ring has nothing waiting');
      const job = this.takeFor(user, streams);
      if (!job) {
        this.turn++;
        misses++;
        continue;
      }
      misses = 0;
      if (streams.size === 0) {
        // Out of the ring; the next user moves into this turn.
        this.waiting.delete(user);
        this.ring.splice(this.turn, 1);
      } else {
        this.turn++;
      }
      this.start(job);
    }
  }

  /**
   * The user's oldest job whose stream has room. The streams passed over are each held by a
   * running job, so the scan is bounded by the total concurrency, not by the backlog.
   */
  private takeFor(user: string, streams: Map<string, FairJob[]>): FairJob | undefined {
    if ((this.byUser.get(user) ?? 0) >= this.limits.perUser) return undefined;
    for (const [stream, list] of streams) {
      if ((this.byStream.get(stream) ?? 0) >= this.limits.perStream) continue;
      const job = list.shift();
      if (!job) throw new Error('fair scheduler: a stream waits only with jobs in its list');
      if (list.length === 0) streams.delete(stream);
      return job;
    }
    return undefined;
  }

  private start(job: FairJob): void {
    this.active++;
    bump(this.byUser, job.user, 1);
    bump(this.byStream, job.stream, 1);
    void Promise.resolve()
      .then(() => job.run())
      .catch((err: unknown) => this.onError(err, job))
      .finally(() => {
        this.active--;
        bump(this.byUser, job.user, -1);
        bump(this.byStream, job.stream, -1);
        this.known.delete(job.key);
        this.pump();
        if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
