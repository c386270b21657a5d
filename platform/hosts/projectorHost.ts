import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { EventEnvelope } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import { decodeEntry, endsOf } from '../eventlog/entries';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';
import type { Lease, LeaseProvider } from '../lease';
import { inSpan } from '../tracing';
import { logger } from '../logger';
import { asError } from '../errors';
import type { MigrationSet } from '../postgres/migrate';
import { withClient, type Tx } from '../postgres/pool';
import { WriteBehind } from '../postgres/writeBehind';
import { isTransient } from '../postgres/errors';
import { isStorableText } from '../../contracts/formats';
import { parkedEntries, type ParkedEntry } from '../postgres/parkedEntries';
import { OUTCOME_CHANNEL } from '../outcomes/outcomes';
import { metrics } from '../metrics/registry';

export interface Projection {
  /** Names its checkpoint and its lease; unique within the schema. */
  name: string;
  context: string;
  category: string;
  /** The schema the views live in; a rebuild fills a copy of it under another name. */
  schema: string;
  migrations: MigrationSet;
  /** One applier per host and schema: it may remember what it wrote, as nobody else writes there. */
  applier(schema: string): Applier;
}

export interface Applier {
  /**
   * Applies new events, in log order, inside the projector's transaction. Its blind writes
   * (INSERT, UPDATE, DELETE without RETURNING) answer at once with no rows and no count: they
   * travel with the commit, or with its next read, which sees them (`WriteBehind`).
   */
  apply(tx: Tx, events: EventEnvelope[]): Promise<void>;
  /** The transaction committed: what `apply` staged is now what the views hold. */
  committed?(): void;
  /** The transaction failed: forget what `apply` staged. */
  discarded?(): void;
}

export interface ProjectorOptions {
  batchSize?: number;
  maxInFlight?: number;
  ackWaitMs?: number;
  /** Where the views go; defaults to the projection's schema. */
  schema?: string;
  /** How many projections consume this category: an outcome is visible once all applied it. */
  outcomeQuorum?: number;
  /** False for a rebuild: the live projector recorded those outcomes long ago. */
  recordOutcomes?: boolean;
  /**
   * Outcomes of entries written longer ago than this are recorded but not announced: nobody
   * waits that long for them (a request waits `WRITE_WAIT_MS`, a process step 8 s) and whoever
   * did finds them in the table when its wait runs out. Defaults to ANNOUNCE_WITHIN_MS.
   */
  announceWithinMs?: number;
  onFatal(err: Error): void;
}

const identifier = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad schema name ${name}`);
  return name;
};

class ViewsReplaced extends Error {}

class HeldBack extends Error {
  constructor(stream: string) {
    super(`held behind an earlier parked entry of ${stream}`);
  }
}

/** The stream an entry changes, if any: what a parked entry holds back behind it. */
const streamOf = (e: LogEntry): string | null =>
  e.kind === 'events'
    ? endsOf(e.events).first.streamId
    : e.kind === 'rejection'
      ? e.rejection.streamId
      : null;

/**
 * The stream an entry that failed its contract claims to change, when it says so legibly: its
 * stream's later entries must wait behind it too, or a view could apply them without it.
 */
function claimedStream(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { events?: Array<{ streamId?: unknown }> }).events?.[0]
      ?.streamId;
    return typeof id === 'string' && id.length <= 200 && isStorableText(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * Least time between two reads of the log's head for the lag metric: a read writes a fence, an
 * entry of the log, so it is done only when the deliveries cannot tell (the window is full).
 */
const HEAD_SAMPLE_MS = 15_000;

/** How often a projector with parked entries looks for an operator's retry. */
const REPAIR_POLL_MS = 1000;

/** First and longest pause before a batch that met a connection failure is tried again. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

/** Serializes a projector's commits with a swap of its schema (the rebuild takes it too). */
export const viewsLockKey = (schema: string): string =>
  createHash('sha1').update(`views:${schema}`).digest().readBigInt64BE(0).toString();

/**
 * A notification carries a JSON array of outcomes, each with the events that were accepted (so a
 * request can answer from them without reading the views back). Postgres caps a payload at 8000
 * bytes: an outcome that says more than ITEM_BYTES goes without its events (or, refused, without
 * its reason), which its request then reads; and a payload gathers items while their running size
 * stays within one CHUNK_BYTES step, so none passes 2 × CHUNK_BYTES.
 */
const ITEM_BYTES = 3900;
const CHUNK_BYTES = 3900;

/**
 * How old an entry may be and still be announced (by the timestamp its writer gave it): well
 * past the longest wait for an outcome, and past any clock skew between the writer and us.
 * A projector catching up on a backlog (after downtime, or from zero) would otherwise announce
 * every outcome with its events to nobody: that notification traffic was most of Postgres's
 * work in such a replay (issue 15's rebuild regression).
 */
export const ANNOUNCE_WITHIN_MS = 60_000;

/** An accepted event as the notification carries it. */
interface CarriedEvent {
  type: string;
  version: number;
  at: string;
  data: unknown;
}

interface Outcome {
  command_id: string;
  category: string;
  stream_id: string;
  status: 'accepted' | 'rejected';
  version: number | null;
  code: string | null;
  reason: string | null;
  user_id: string | null;
  events: CarriedEvent[] | null;
  /** Whether to announce it; its events travel only then. */
  announce: boolean;
}

/**
 * Records outcomes (`$1`, JSON) as seen by projector `$5` with quorum `$6`, moves its checkpoint
 * in `schema` to `$3` (none when null, with `$2` the projector), and announces on `$4` each
 * outcome every projection of its category has now applied, in chunks a NOTIFY takes.
 */
function outcomeStatement(schema: string): string {
  const s = schema;
  return `WITH i AS (
         SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (command_id uuid, category text, stream_id text,
           status text, version int, code text, reason text, user_id text, events jsonb, announce boolean)) WITH ORDINALITY
           AS o(command_id, category, stream_id, status, version, code, reason, user_id, events, announce, n)),
       o AS (
         INSERT INTO platform.command_outcomes AS t (command_id, category, stream_id, status, version, code, reason, user_id, seen_by, quorum)
         SELECT command_id, category, stream_id, status, version, code, reason, user_id, ARRAY[$5::text], $6::int FROM i
         ON CONFLICT (command_id) DO UPDATE SET seen_by = array_append(t.seen_by, $5::text)
           WHERE NOT $5::text = ANY(t.seen_by)
         RETURNING command_id, stream_id, status, version, code, reason, cardinality(seen_by) >= quorum AS complete),
       c AS (INSERT INTO ${s}.checkpoints (projector, position) SELECT $2::text, $3::bigint WHERE $3::bigint IS NOT NULL
             ON CONFLICT (projector) DO UPDATE SET position = EXCLUDED.position),
       said AS (
         SELECT min(i.n) AS n,
                jsonb_build_object('id', o.command_id, 'status', o.status, 'version', o.version, 'streamId', o.stream_id)
                  || CASE WHEN o.status = 'accepted'
                       THEN jsonb_build_object('events', (array_agg(i.events))[1])
                       ELSE jsonb_build_object('code', o.code, 'reason', o.reason) END AS whole,
                jsonb_strip_nulls(jsonb_build_object('id', o.command_id, 'status', o.status,
                  'version', o.version, 'streamId', o.stream_id)) AS bare
         FROM o JOIN i USING (command_id) WHERE o.complete AND i.announce
         GROUP BY o.command_id, o.stream_id, o.status, o.version, o.code, o.reason),
       items AS (
         SELECT n, CASE WHEN octet_length(whole::text) <= ${ITEM_BYTES} THEN whole ELSE bare END::text AS item FROM said),
       sized AS (SELECT n, item, sum(octet_length(item) + 1) OVER (ORDER BY n) AS upto FROM items)
       SELECT pg_notify($4, '[' || string_agg(item, ',' ORDER BY n) || ']') FROM sized
       GROUP BY (upto - 1) / ${CHUNK_BYTES}`;
}

/** `announceSince`: entries written before this time (ms) are recorded without an announcement. */
function outcomeOf(category: string, entry: LogEntry, announceSince: number): Outcome | null {
  // One that says not when it was written is announced: someone may wait for it.
  const at = writtenAt(entry);
  const announce = at === 0 || at >= announceSince;
  if (entry.kind === 'rejection') {
    const r = entry.rejection;
    return {
      command_id: r.commandId,
      category,
      stream_id: r.streamId,
      status: 'rejected',
      version: null,
      code: r.code,
      reason: r.reason,
      user_id: r.metadata.userId,
      events: null,
      announce,
    };
  }
  if (entry.kind !== 'events') return null;
  const { first, last } = endsOf(entry.events);
  if (!first.metadata.causationId) return null;
  return {
    command_id: first.metadata.causationId,
    category,
    stream_id: first.streamId,
    status: 'accepted',
    version: last.version,
    code: null,
    reason: null,
    user_id: first.metadata.userId,
    events: announce
      ? entry.events.map((e) => ({
          type: e.type,
          version: e.version,
          at: e.metadata.timestamp,
          data: e.data,
        }))
      : null,
    announce,
  };
}

/** When an entry was written (its metadata's timestamp), or 0 when it says nothing legible. */
function writtenAt(entry: LogEntry | undefined): number {
  const metadata =
    entry?.kind === 'events'
      ? endsOf(entry.events).last.metadata
      : entry?.kind === 'rejection'
        ? entry.rejection.metadata
        : undefined;
  const at = metadata ? Date.parse(metadata.timestamp) : NaN;
  return Number.isNaN(at) ? 0 : at;
}

/** Who wrote an entry, as a W3C traceparent: the metadata of its first event, or of its refusal. */
function traceparentOf(entry: LogEntry): string | undefined {
  if (entry.kind === 'events') return entry.events[0]?.metadata.traceparent;
  if (entry.kind === 'rejection') return entry.rejection.metadata.traceparent;
  return undefined;
}

/**
 * Keeps one context's views current. Each batch of log entries is applied in one transaction
 * together with the record of the events it applied, the commands' outcomes and the checkpoint;
 * the log is acknowledged only after the commit, and the subscription restarts from the
 * checkpoint, so every event changes the views exactly once whatever is redelivered.
 */
export class ProjectorHost {
  private buffer: Delivery[] = [];
  private draining: Promise<void> | null = null;
  private checkpoint = 0;
  /** Which checkpoints table we follow: a swap puts another one under the same name. */
  private viewsTable = 0;
  private generation = 0;
  private gapSince: number | null = null;
  private subscription: Subscription | null = null;
  private lease: Lease | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly schema: string;
  private readonly applier: Applier;
  readonly stats = {
    entries: 0,
    events: 0,
    duplicates: 0,
    parked: 0,
    batches: 0,
    repaired: 0,
    retries: 0,
  };
  /** Why the batch under way cannot be committed now (Postgres is away); null when it can. */
  private unreachable: string | null = null;
  /** Streams with a parked entry: their later entries are parked behind it, never applied out of order. */
  private held = new Set<string>();
  /** Outcomes kept once `holdOutcomes` was called, by command: see `recordHeldOutcomes`. */
  private heldOutcomes: Map<string, { position: number; outcome: Outcome }> | null = null;
  /** Entries parked and not yet repaired, for /readyz. */
  private open = 0;
  private repairDue = false;
  private repairTimer: NodeJS.Timeout | null = null;
  private readonly caughtUpWaiters: Array<{ position: number; resolve: () => void }> = [];
  /** The furthest position delivered to us, and the log's head when last read: where the log ends, as far as we know. */
  private newest = 0;
  private sampledHead = 0;
  private headSampledAt = 0;
  /** When the newest entry applied was written, and when we last had applied all we were given. */
  private lastAppliedAt = 0;
  private caughtUpAt = Date.now();

  constructor(
    private readonly log: EventLog,
    private readonly pool: Pool,
    private readonly leases: LeaseProvider,
    private readonly projection: Projection,
    private readonly options: ProjectorOptions,
  ) {
    this.schema = identifier(options.schema ?? projection.schema);
    this.applier = projection.applier(this.schema);
  }

  get name(): string {
    return this.projection.name;
  }

  get category(): string {
    return this.projection.category;
  }

  get isActive(): boolean {
    return this.subscription !== null;
  }

  /** What `/readyz` says: following the log, or why not (Postgres away, the lease awaited). */
  get readiness(): true | { ok: false; detail: string } {
    if (this.unreachable !== null)
      return { ok: false, detail: `retrying a batch: ${this.unreachable}` };
    if (this.subscription === null) return { ok: false, detail: 'not following the log' };
    return true;
  }

  get position(): number {
    return this.checkpoint;
  }

  /** Entries this projector parked that nobody has repaired yet. */
  get parkedOpen(): number {
    return this.open;
  }

  async start(): Promise<void> {
    this.lease = await this.leases.acquire(
      `projector:${this.schema}:${this.name}`,
      this.abort.signal,
    );
    this.lease.onLost((err) => this.options.onFatal(err));
    if (this.stopping) return this.lease.release();
    this.held = await parkedEntries.heldStreams(this.pool, this.name);
    this.open = await parkedEntries.openCount(this.pool, this.name);
    this.repairTimer = setInterval(() => {
      if (this.open === 0 || this.stopping) return;
      this.repairDue = true;
      if (!this.draining) this.draining = this.drain();
    }, REPAIR_POLL_MS);
    this.repairTimer.unref();
    await this.follow();
    logger.info(
      { projector: this.name, schema: this.schema, from: this.checkpoint + 1 },
      'projector started',
    );
  }

  /** (Re)subscribes from the checkpoint the views hold now. */
  private async follow(): Promise<void> {
    const views = await this.readCheckpoint(this.pool);
    this.checkpoint = views.position;
    this.viewsTable = views.table;
    if (this.stopping) return;
    const generation = ++this.generation;
    const subscription = await this.log.subscribe(
      this.projection.category,
      'event',
      {
        from: this.checkpoint + 1,
        maxInFlight: this.options.maxInFlight ?? 1024,
        ackWaitMs: this.options.ackWaitMs ?? 10_000,
      },
      (d) => {
        if (generation === this.generation) this.receive(d);
      },
    );
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the awaits
    if (this.stopping) return subscription.close();
    this.subscription = subscription;
  }

  private async readCheckpoint(
    db: Pick<Tx, 'query'>,
    forUpdate = false,
  ): Promise<{ position: number; table: number }> {
    const { rows } = await db.query<{ position: string | null; table: number }>(
      `SELECT (SELECT position FROM ${this.schema}.checkpoints WHERE projector = $1 ${forUpdate ? 'FOR UPDATE' : ''}) AS position,
              '${this.schema}.checkpoints'::regclass::oid::int AS table`,
      [this.name],
    );
    const [row] = rows;
    if (!row) throw new Error('a SELECT without FROM returns one row');
    return { position: Number(row.position ?? 0), table: row.table };
  }

  /**
   * A rebuild swapped fresh views in (see rebuild.ts): forget what we remember of the old ones
   * and follow the log again from the new views' checkpoint.
   */
  private async viewsReplaced(): Promise<void> {
    logger.info(
      { projector: this.name, schema: this.schema },
      // Or a commit went through whose answer a cut connection lost: the same, exactly.
      'the views hold another checkpoint than ours; following from theirs',
    );
    this.generation++;
    this.buffer = [];
    this.applier.discarded?.();
    const old = this.subscription;
    this.subscription = null;
    await old?.close();
    await this.follow();
  }

  /** Resolves once everything up to `position` is in the views. */
  waitFor(position: number): Promise<void> {
    if (this.checkpoint >= position) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push({ position, resolve }));
  }

  private receive(delivery: Delivery): void {
    if (this.stopping) return;
    if (delivery.position > this.newest) this.newest = delivery.position;
    this.buffer.push(delivery);
    if (!this.draining) this.draining = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while ((this.buffer.length > 0 || this.repairDue) && !this.stopping) {
        if (this.repairDue) {
          this.repairDue = false;
          // Asked again at the next poll: a repair's entries are each their own transaction.
          await this.repair().catch((err: unknown) => {
            if (!isTransient(err) || this.stopping) throw err;
            logger.warn({ projector: this.name, err: asError(err).message }, 'repair postponed');
          });
          continue;
        }
        const batch = this.buffer.splice(0, this.options.batchSize ?? 500);
        await this.applyBatch(batch);
      }
    } catch (err) {
      this.options.onFatal(err as Error);
    } finally {
      this.draining = null;
    }
  }

  /**
   * How far behind the log this projector is, for the metrics. The server delivers up to
   * `maxInFlight` entries ahead of what we acknowledged, so the newest delivery is the log's end
   * unless that window is full; only then is the head read (a fence), at most every HEAD_SAMPLE_MS.
   */
  get lag(): { entries: number; seconds: number } {
    const windowFull =
      this.newest - this.checkpoint >= (this.options.maxInFlight ?? 1024) - 1 && this.isActive;
    if (windowFull && Date.now() - this.headSampledAt > HEAD_SAMPLE_MS) {
      this.headSampledAt = Date.now();
      this.log.head(this.projection.category, 'event').then(
        (head) => (this.sampledHead = Math.max(this.sampledHead, head)),
        () => undefined,
      );
    }
    const entries = Math.max(0, Math.max(this.newest, this.sampledHead) - this.checkpoint);
    if (entries === 0) return { entries, seconds: 0 };
    const since = Math.max(this.lastAppliedAt, this.caughtUpAt);
    return { entries, seconds: Math.max(0, (Date.now() - since) / 1000) };
  }

  private async applyBatch(batch: Delivery[]): Promise<void> {
    const started = performance.now();
    const fresh: Delivery[] = [];
    let next = this.checkpoint + 1;
    // We subscribe from the checkpoint, so what comes from behind it was offered before. A new
    // leader of a clustered log sends some of it again without marking it redelivered
    // (nats-streaming-server#964); only a log whose end is now behind the views was reset.
    if (batch.some((d) => d.position <= this.checkpoint && !d.redelivered)) {
      const end = await this.log.head(this.projection.category, 'event');
      if (end < this.checkpoint) {
        throw new Error(
          `${this.name}: the log ends at ${end}, but the views are at ${this.checkpoint}; was the log reset? rebuild the views`,
        );
      }
    }
    for (const d of batch) {
      if (d.position < next) {
        this.stats.duplicates++;
        d.ack();
        continue;
      }
      if (d.position > next) {
        // An earlier message is still owed to us (a redelivery): wait for it rather than skip it,
        // but not forever: a message the log lost would otherwise stall the views in silence.
        this.gapSince ??= Date.now();
        const waited = Date.now() - this.gapSince;
        logger.warn(
          { projector: this.name, expected: next, got: d.position, waited },
          'gap in delivery; waiting for redelivery',
        );
        if (waited > 3 * (this.options.ackWaitMs ?? 10_000))
          throw new Error(`${this.name}: position ${next} never arrived`);
        break;
      }
      fresh.push(d);
      next++;
    }
    const newest = fresh[fresh.length - 1];
    if (!newest) return;
    this.gapSince = null;

    const entries: LogEntry[] = [];
    const parked: ParkedEntry[] = [];
    for (const d of fresh) {
      const decoded = decodeEntry(this.projection.category, d.position, d.body);
      const stream = decoded.ok ? streamOf(decoded.value) : claimedStream(d.body);
      if (decoded.ok && !(stream && this.held.has(stream))) {
        entries.push(decoded.value);
        continue;
      }
      const reason = decoded.ok
        ? `held behind an earlier parked entry of ${stream}`
        : decoded.error;
      parked.push(await this.parkInLog(d.position, d.body, stream, reason));
    }
    const last = newest.position;
    let applied: number;
    try {
      applied = await this.transact(entries, last, parked);
      this.applier.committed?.();
    } catch (err) {
      this.applier.discarded?.();
      if (err instanceof ViewsReplaced) return this.viewsReplaced();
      if (isTransient(err)) throw err;
      // Something in the batch cannot be applied: find it, park it, apply the rest.
      try {
        applied = await this.applyOneByOne(entries, parked, last);
      } catch (inner) {
        this.applier.discarded?.();
        if (inner instanceof ViewsReplaced) return this.viewsReplaced();
        throw inner;
      }
    }
    for (const d of fresh) d.ack();
    this.checkpoint = last;
    this.stats.batches++;
    this.stats.entries += fresh.length;
    this.stats.events += applied;
    const labels = { projector: this.name, category: this.projection.category };
    metrics.projectorBatchEntries.observe(labels, fresh.length);
    metrics.projectorBatchDuration.observe(labels, (performance.now() - started) / 1000);
    const written = writtenAt(entries[entries.length - 1]);
    if (written > this.lastAppliedAt) this.lastAppliedAt = written;
    if (this.checkpoint >= Math.max(this.newest, this.sampledHead)) this.caughtUpAt = Date.now();
    this.wakeWaiters();
  }

  /**
   * Parks an entry on the log's parked channel (with the reason and its position) before the
   * checkpoint passes it: a crash in between parks it twice, never zero times. The table record
   * goes into the transaction that moves the checkpoint.
   */
  private async parkInLog(
    position: number,
    body: string,
    streamId: string | null,
    reason: string,
  ): Promise<ParkedEntry> {
    this.stats.parked++;
    this.open++;
    if (streamId) this.held.add(streamId);
    logger.error(
      { projector: this.name, position, streamId, reason },
      'parked an entry it cannot apply; the rest of the log goes on',
    );
    await this.log.park(
      this.projection.category,
      'event',
      { position, body, redelivered: false, ack: () => undefined },
      reason,
    );
    return {
      consumer: this.name,
      category: this.projection.category,
      kind: 'event',
      position,
      streamId,
      reason,
      body,
    };
  }

  /** A batch failed for its data: each entry in its own transaction, the one that fails parked. */
  private async applyOneByOne(
    entries: LogEntry[],
    parked: ParkedEntry[],
    last: number,
  ): Promise<number> {
    let applied = 0;
    let pending = parked;
    for (const entry of entries) {
      const stream = streamOf(entry);
      try {
        if (stream && this.held.has(stream)) throw new HeldBack(stream);
        applied += await this.transact([entry], entry.position, pending);
        this.applier.committed?.();
      } catch (err) {
        this.applier.discarded?.();
        if (err instanceof ViewsReplaced || isTransient(err)) throw err;
        const reason =
          err instanceof HeldBack ? err.message : `cannot be applied: ${(err as Error).message}`;
        const body = JSON.stringify(
          entry.kind === 'events'
            ? { events: entry.events }
            : entry.kind === 'rejection'
              ? { rejection: entry.rejection }
              : {},
        );
        await this.transact([], entry.position, [
          ...pending,
          await this.parkInLog(entry.position, body, stream, reason),
        ]);
      }
      pending = [];
      this.checkpoint = entry.position;
    }
    if (pending.length > 0 || this.checkpoint < last) await this.transact([], last, pending);
    return applied;
  }

  /**
   * Applies again what an operator asked to retry (`parked retry`), oldest first, each in its own
   * transaction; an entry that fails again stays parked, and so do the later ones of its stream.
   * The applier forgets what it remembers, since repaired streams changed behind it.
   */
  private async repair(): Promise<void> {
    const requested = await parkedEntries.retryRequested(this.pool, this.name);
    if (requested.length === 0) return;
    const failed = new Set<string>();
    for (const row of requested) {
      const decoded = decodeEntry(this.projection.category, row.position, row.body);
      try {
        if (!decoded.ok) throw new Error(decoded.error);
        if (row.streamId && failed.has(row.streamId)) throw new HeldBack(row.streamId);
        await this.transact([decoded.value], null, [], row.position);
        this.applier.committed?.();
        this.stats.repaired++;
        logger.info(
          { projector: this.name, position: row.position, streamId: row.streamId },
          'repaired a parked entry',
        );
      } catch (err) {
        this.applier.discarded?.();
        if (isTransient(err) || err instanceof ViewsReplaced) throw err;
        if (row.streamId) failed.add(row.streamId);
        await parkedEntries.failedAgain(this.pool, this.name, row.position, (err as Error).message);
        logger.error(
          { projector: this.name, position: row.position, reason: (err as Error).message },
          'a parked entry failed again',
        );
      }
    }
    this.applier.discarded?.();
    this.held = await parkedEntries.heldStreams(this.pool, this.name);
    this.open = await parkedEntries.openCount(this.pool, this.name);
  }

  /**
   * One batch, one transaction. A connection failure (a cut session, the server restarting) says
   * nothing about the batch: it is tried again as it is, on a new connection, after a pause that
   * grows to RETRY_MAX_MS, for as long as it takes. Nothing of it was kept (the views, the
   * checkpoint and the outcomes commit together), so the retry is exact; a commit that went
   * through but whose answer was lost shows as a checkpoint ahead of ours (ViewsReplaced).
   */
  private transact(
    entries: LogEntry[],
    last: number | null,
    parked: ParkedEntry[] = [],
    repaired?: number,
  ): Promise<number> {
    // The span is the first entry's sender's child (the decision that wrote it), linked to the
    // others': a batch serves many requests, and each request's trace shows its commit.
    const parents = entries.map(traceparentOf);
    return inSpan(
      `project ${this.name}`,
      parents.find((p) => p !== undefined),
      () => this.transactRetrying(entries, last, parked, repaired),
      {
        kind: 'consumer',
        links: parents,
        attributes: {
          'devpie.projector': this.name,
          'devpie.entries': entries.length,
          ...(last === null ? {} : { 'devpie.position': last }),
        },
      },
    );
  }

  private async transactRetrying(
    entries: LogEntry[],
    last: number | null,
    parked: ParkedEntry[],
    repaired: number | undefined,
  ): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const applied = await this.transactOnce(entries, last, parked, repaired);
        if (this.unreachable !== null) {
          logger.info({ projector: this.name, retries: attempt }, 'Postgres reachable again');
          this.unreachable = null;
        }
        return applied;
      } catch (err) {
        if (!isTransient(err) || this.stopping) throw err;
        this.applier.discarded?.();
        this.stats.retries++;
        if (this.unreachable === null)
          logger.warn(
            { projector: this.name, err: (err as Error).message },
            'Postgres unreachable; retrying the batch on a new connection',
          );
        this.unreachable = (err as Error).message;
        const pause = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempt, 10));
        // stop() cuts the pause short; the batch stays unacknowledged for the next holder.
        await sleep(pause, undefined, { signal: this.abort.signal }).catch(() => undefined);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the pause
        if (this.stopping) throw err;
      }
    }
  }

  /**
   * Two round trips, whatever the batch holds: they, not Postgres's CPU, bound a projector (the
   * benchmark showed ~9 sequential round trips per batch once, then 5). The first opens the
   * transaction, takes the views' lock and checks the checkpoint and which events are new; the
   * second carries the views' writes, the parked entries, the outcomes with their announcement,
   * the checkpoint and the COMMIT. An applier that reads (a cache miss) adds its reads.
   */
  private transactOnce(
    entries: LogEntry[],
    last: number | null,
    parked: ParkedEntry[],
    repaired: number | undefined,
  ): Promise<number> {
    return withClient(this.pool, async (client) => {
      const batch = new WriteBehind(client);
      try {
        // The views are a cache of the log: a commit lost in a Postgres crash takes its checkpoint
        // with it and is applied again, so the projector need not wait for the disk.
        // The lock comes before any statement names a view, so a swap cannot fall between them:
        // in one simple query, Postgres resolves each statement's names only after the one before
        // it ran.
        batch.hold(
          `BEGIN; SET LOCAL synchronous_commit TO off; SELECT pg_advisory_xact_lock(${viewsLockKey(this.schema)})`,
        );
        const applied = await this.commit(batch, entries, last);
        for (const p of parked) await parkedEntries.record(batch.tx, p);
        if (repaired !== undefined) await parkedEntries.resolve(batch.tx, this.name, repaired);
        await batch.finish('COMMIT');
        return applied;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** `last`: the position the checkpoint moves to; null for a repair, which leaves it where it is. */
  private async commit(
    batch: WriteBehind,
    entries: LogEntry[],
    last: number | null,
  ): Promise<number> {
    const s = this.schema;
    const events: EventEnvelope[] = [];
    const positions: number[] = [];
    for (const e of entries) {
      if (e.kind !== 'events') continue;
      for (const ev of e.events) {
        events.push(ev);
        positions.push(e.position);
      }
    }
    const { rows } = await batch.run<{ position: string | null; table: number; fresh: string[] }>(
      `WITH cp AS (SELECT position FROM ${s}.checkpoints WHERE projector = $1 FOR UPDATE),
            ins AS (INSERT INTO ${s}.processed_events (event_id, position)
                    SELECT * FROM unnest($2::uuid[], $3::bigint[]) ON CONFLICT DO NOTHING RETURNING event_id)
       SELECT (SELECT position FROM cp) AS position, '${s}.checkpoints'::regclass::oid::int AS table,
              (SELECT coalesce(array_agg(event_id::text), '{}') FROM ins) AS fresh`,
      [this.name, events.map((e) => e.id), positions],
    );
    const [views] = rows;
    if (!views) throw new Error('a SELECT without FROM returns one row');
    if (views.table !== this.viewsTable || Number(views.position ?? 0) !== this.checkpoint)
      throw new ViewsReplaced();
    const fresh = new Set(views.fresh);
    const applied = events.filter((e) => fresh.delete(e.id));
    this.stats.duplicates += events.length - applied.length;
    if (applied.length > 0) await this.applier.apply(batch.tx, applied);
    const announceSince = Date.now() - (this.options.announceWithinMs ?? ANNOUNCE_WITHIN_MS);
    const recording = this.options.recordOutcomes !== false;
    const outcomes: Outcome[] = [];
    if (recording || this.heldOutcomes)
      for (const e of entries) {
        const o = outcomeOf(this.projection.category, e, announceSince);
        if (!o) continue;
        if (recording) outcomes.push(o);
        // Keyed by command: a batch tried again holds each once. The events only go out with an
        // announcement: an old entry's are not kept.
        else
          this.heldOutcomes?.set(o.command_id, {
            position: e.position,
            outcome: o.announce ? o : { ...o, events: null },
          });
      }
    // Outcomes, their announcement (once the last projection of the category has applied the
    // command, so a request that wakes finds every view of it current) and the checkpoint.
    if (outcomes.length === 0 && last === null) return applied.length;
    batch.hold(...this.outcomeQuery(outcomes, last));
    return applied.length;
  }

  /** The outcomes statement on our views, with its values: `last`, the checkpoint to move to (null: none). */
  private outcomeQuery(outcomes: Outcome[], last: number | null): [string, unknown[]] {
    return [
      outcomeStatement(this.schema),
      [
        JSON.stringify(outcomes),
        this.name,
        last,
        OUTCOME_CHANNEL,
        this.name,
        this.options.outcomeQuorum ?? 1,
      ],
    ];
  }

  /**
   * From now on, a host that records no outcomes (a rebuild's, writing views aside) keeps those
   * of the entries it applies, for `recordHeldOutcomes`.
   */
  holdOutcomes(): void {
    this.heldOutcomes ??= new Map();
  }

  /** Lets go of held outcomes up to `position`: the live projector has recorded those. */
  forgetHeldOutcomes(position: number): void {
    for (const [id, h] of this.heldOutcomes ?? [])
      if (h.position <= position) this.heldOutcomes?.delete(id);
  }

  /**
   * Records, in `db`'s transaction, the held outcomes of entries after `position`, and announces
   * them when it commits: what a rebuild applied beyond the live projector's checkpoint when it
   * swapped its views in, which the live projector, following from the new views' checkpoint,
   * will never see. Returns how many.
   */
  async recordHeldOutcomes(db: Tx, position: number): Promise<number> {
    const outcomes = [...(this.heldOutcomes?.values() ?? [])]
      .filter((h) => h.position > position)
      .map((h) => h.outcome);
    if (outcomes.length === 0) return 0;
    await db.query(...this.outcomeQuery(outcomes, null));
    return outcomes.length;
  }

  private wakeWaiters(): void {
    for (let i = this.caughtUpWaiters.length - 1; i >= 0; i--) {
      const w = this.caughtUpWaiters[i];
      if (w && w.position <= this.checkpoint) {
        this.caughtUpWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Stops intake, finishes the batch being committed, and releases the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.repairTimer) clearInterval(this.repairTimer);
    // The batch being committed finishes and is acknowledged before the subscription goes.
    await this.draining;
    await this.subscription?.close();
    this.subscription = null;
    await this.lease?.release();
  }
}
