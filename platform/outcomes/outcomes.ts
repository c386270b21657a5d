import { Client, type Pool } from 'pg';
import type { RejectionCode } from '../../contracts/outcomes';
import { logger } from '../logger';
import { isTransient } from '../postgres/errors';
import { CONNECT_TIMEOUT_MS } from '../postgres/pool';

export const OUTCOME_CHANNEL = 'command_outcomes';

/** An accepted event as an outcome's announcement carries it: enough to answer from. */
export interface AcceptedEvent {
  type: string;
  version: number;
  /** Its metadata's timestamp: what the views stamp the change with. */
  at: string;
  data: unknown;
}

export type Outcome =
  | {
      status: 'accepted';
      streamId: string;
      version: number;
      result?: unknown;
      /** The command's events, when its announcement carried them (not when read from the table). */
      events?: AcceptedEvent[];
    }
  | { status: 'rejected'; streamId: string; code: RejectionCode; reason: string };

interface Row {
  result: unknown;
  stream_id: string;
  status: 'accepted' | 'rejected';
  version: number | null;
  code: RejectionCode | null;
  reason: string | null;
  user_id: string | null;
}

const toOutcome = (r: Row): Outcome =>
  r.status === 'accepted'
    ? {
        status: 'accepted',
        streamId: r.stream_id,
        version: r.version ?? 0,
        ...(r.result == null ? {} : { result: r.result }),
      }
    : {
        status: 'rejected',
        streamId: r.stream_id,
        code: r.code ?? 'invalid',
        reason: r.reason ?? '',
      };

interface Said {
  id?: unknown;
  status?: unknown;
  version?: unknown;
  streamId?: unknown;
  code?: unknown;
  reason?: unknown;
  events?: unknown;
}

/** An announced outcome, when it says all of itself; else undefined (read from the table). */
function knownFrom(said: Said): Outcome | undefined {
  const { status, version, streamId } = said;
  if (typeof streamId !== 'string') return undefined;
  if (status === 'accepted' && typeof version === 'number')
    return {
      status,
      streamId,
      version,
      ...(Array.isArray(said.events) ? { events: said.events as AcceptedEvent[] } : {}),
    };
  if (status === 'rejected' && typeof said.code === 'string' && typeof said.reason === 'string')
    return { status, streamId, code: said.code as RejectionCode, reason: said.reason };
  return undefined;
}

/**
 * The outcomes a notification announces: a JSON array of outcomes (`{id, status, version,
 * streamId, events | code, reason}`, the details left out when they did not fit), or the older
 * form, `<command id> <status> [<version> <stream id>]` separated by commas.
 */
export function announced(payload: string): Array<[string, Outcome | undefined]> {
  if (payload.startsWith('[')) {
    try {
      return (JSON.parse(payload) as Said[])
        .filter((said): said is Said & { id: string } => typeof said.id === 'string')
        .map((said) => [said.id, knownFrom(said)]);
    } catch {
      return [];
    }
  }
  const out: Array<[string, Outcome | undefined]> = [];
  for (const item of payload.split(',')) {
    const [id, status, version, streamId] = item.split(' ');
    if (!id) continue;
    out.push([
      id,
      status === 'accepted' && version && streamId
        ? { status: 'accepted', streamId, version: Number(version) }
        : undefined,
    ]);
  }
  return out;
}

/** Postgres takes only these as uuids; a command id is always one. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** First and longest pause before the listener connects again. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 1_000;

/**
 * Lets a request wait for its command's outcome. One LISTEN connection per process wakes the
 * waiting requests; the outcome itself is read from the table. The connection is opened again,
 * with a growing pause, whenever it is cut (a session killed, the server restarting); once it
 * listens again, the outcomes of every command still waited for are looked up, since their
 * announcements may have gone out while nobody listened. Meanwhile requests wait as before, and
 * `isListening` (the process's readiness) is false.
 */
export class OutcomeWaiter {
  private client: Client | null = null;
  private readonly waiting = new Map<string, Array<(known?: Outcome) => void>>();
  private stopped = false;
  private listening = false;
  private reconnect: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly pool: Pool,
    private readonly connectionString: string,
  ) {}

  get isListening(): boolean {
    return this.listening;
  }

  /**
   * Listens. A first attempt that fails because Postgres is away goes on in the background (the
   * process starts, not ready); one that fails otherwise (a wrong address, a refused login) throws.
   */
  async start(): Promise<void> {
    try {
      await this.listen();
    } catch (err) {
      if (!isTransient(err)) throw err;
      logger.warn({ err: (err as Error).message }, 'outcome listener cannot connect; retrying');
      this.retry();
    }
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.connectionString,
      application_name: 'outcome-listener',
      keepAlive: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on('notification', (n) => {
      for (const [id, known] of announced(n.payload ?? '')) this.wake(id, known);
    });
    // Listened to for the client's whole life: an `error` nobody hears would end the process.
    const dropped = (err: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      logger.warn({ err: err.message }, 'outcome listener lost; reconnecting');
      this.retry();
    };
    client.on('error', dropped);
    client.on('end', () => dropped(new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTCOME_CHANNEL}`);
    } catch (err) {
      if (this.client === client) this.client = null;
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped || this.client !== client) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listening = true;
    this.failures = 0;
  }

  private retry(): void {
    if (this.stopped || this.reconnect) return;
    const pause = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(this.failures, 5));
    this.failures++;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      this.listen().then(
        () => this.catchUp(),
        (err: unknown) => {
          if (this.failures % 10 === 1)
            logger.warn({ err: (err as Error).message }, 'outcome listener still cannot connect');
          this.retry();
        },
      );
    }, pause);
  }

  /** Outcomes announced while nobody listened: looked up for every command still waited for. */
  private async catchUp(): Promise<void> {
    const ids = [...this.waiting.keys()].filter((id) => UUID.test(id));
    if (ids.length === 0) return;
    try {
      const { rows } = await this.pool.query<Row & { command_id: string }>(
        'SELECT command_id, stream_id, status, version, code, reason, user_id, result FROM platform.command_outcomes WHERE command_id = ANY($1::uuid[]) AND cardinality(seen_by) >= quorum',
        [ids],
      );
      for (const r of rows) this.wake(r.command_id, toOutcome(r));
      if (rows.length > 0) logger.info({ found: rows.length }, 'outcomes found after reconnecting');
    } catch (err) {
      // Each request still looks for itself when its wait runs out.
      logger.warn({ err: (err as Error).message }, 'could not look up outcomes after reconnecting');
    }
  }

  private wake(id: string, known?: Outcome): void {
    const list = this.waiting.get(id);
    if (!list) return;
    this.waiting.delete(id);
    for (const resolve of list) resolve(known);
  }

  async find(commandId: string): Promise<(Outcome & { userId: string | null }) | null> {
    const { rows } = await this.pool.query<Row>(
      'SELECT stream_id, status, version, code, reason, user_id, result FROM platform.command_outcomes WHERE command_id = $1 AND cardinality(seen_by) >= quorum',
      [commandId],
    );
    return rows[0] ? { ...toOutcome(rows[0]), userId: rows[0].user_id } : null;
  }

  /**
   * Call before the command is sent, then await the result: the outcome, or null when it was
   * not visible within `timeoutMs`. `lookAfterMs`: a command that may have been decided before
   * (a repeat, which the component ignores and nobody announces again) is looked up once after
   * that long without an announcement.
   */
  expect(
    commandId: string,
    timeoutMs: number,
    options: { lookAfterMs?: number } = {},
  ): { outcome: Promise<Outcome | null>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    let look: NodeJS.Timeout | undefined;
    let resolveWake!: (known?: Outcome) => void;
    const woken = new Promise<Outcome | undefined>((resolve) => {
      resolveWake = resolve;
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    if (options.lookAfterMs !== undefined && options.lookAfterMs < timeoutMs) {
      look = setTimeout(() => {
        void this.find(commandId).then(
          (found) => found && resolveWake(found),
          () => undefined,
        );
      }, options.lookAfterMs);
    }
    const list = this.waiting.get(commandId) ?? [];
    list.push(resolveWake);
    this.waiting.set(commandId, list);
    const cancel = () => {
      clearTimeout(timer);
      clearTimeout(look);
      const rest = (this.waiting.get(commandId) ?? []).filter((r) => r !== resolveWake);
      if (rest.length) this.waiting.set(commandId, rest);
      else this.waiting.delete(commandId);
    };
    // Outcomes are committed before they are announced, so one look after waking is enough.
    const outcome = woken.then(async (known) => {
      cancel();
      return known ?? this.find(commandId);
    });
    return { outcome, cancel };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.reconnect = null;
    const client = this.client;
    this.client = null;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }
}

/**
 * Records an outcome decided outside the projectors (the dispatcher's: a process refused a
 * decision, or handed back a result) and wakes whoever waits for it.
 */
export async function recordOutcome(
  db: Pool,
  o: { commandId: string; category: string; streamId: string; userId: string | null } & (
    | { status: 'accepted'; result?: unknown }
    | { status: 'rejected'; code: RejectionCode; reason: string }
  ),
): Promise<void> {
  await db.query(
    `WITH o AS (
       INSERT INTO platform.command_outcomes (command_id, category, stream_id, status, version, code, reason, user_id, seen_by, quorum, result)
       VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, ARRAY['dispatcher'], 1, $8::jsonb) ON CONFLICT (command_id) DO NOTHING RETURNING command_id)
     SELECT pg_notify($9, json_build_array(json_build_object('id', command_id, 'status', $4::text))::text) FROM o`,
    [
      o.commandId,
      o.category,
      o.streamId,
      o.status,
      o.status === 'rejected' ? o.code : null,
      o.status === 'rejected' ? o.reason : null,
      o.userId,
      o.status === 'accepted' && o.result !== undefined ? JSON.stringify(o.result) : null,
      OUTCOME_CHANNEL,
    ],
  );
}
