import { Client, type Pool } from 'pg';
import type { RejectionCode } from '../../contracts/outcomes';
import { logger } from '../logger';

export const OUTCOME_CHANNEL = 'command_outcomes';

export type Outcome =
  | { status: 'accepted'; streamId: string; version: number; result?: unknown }
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

/**
 * Lets a request wait for its command's outcome. One LISTEN connection per process wakes the
 * waiting requests; the outcome itself is read from the table, so a notification missed while
 * reconnecting costs only a re-check, never a lost answer.
 */
export class OutcomeWaiter {
  private client: Client | null = null;
  private readonly waiting = new Map<string, Array<(known?: Outcome) => void>>();
  private stopped = false;
  private listening = false;

  constructor(
    private readonly pool: Pool,
    private readonly connectionString: string,
  ) {}

  get isListening(): boolean {
    return this.listening;
  }

  async start(): Promise<void> {
    const client = new Client({
      connectionString: this.connectionString,
      application_name: 'outcome-listener',
    });
    client.on('notification', (n) => {
      // `<command id> <status> [<version> <stream id>]`: an acceptance is complete in itself, so
      // the waiting request needs no query; a refusal's reason is read from the table.
      for (const item of (n.payload ?? '').split(',')) {
        const [id, status, version, streamId] = item.split(' ');
        if (!id) continue;
        const known: Outcome | undefined =
          status === 'accepted' && version && streamId
            ? { status: 'accepted', streamId, version: Number(version) }
            : undefined;
        this.wake(id, known);
      }
    });
    const reconnect = (err?: Error) => {
      if (this.client !== client) return;
      this.listening = false;
      this.client = null;
      if (this.stopped) return;
      logger.warn({ err: err?.message }, 'outcome listener lost; reconnecting');
      setTimeout(() => {
        void this.start().then(
          () => this.wakeAll(),
          () => reconnect(),
        );
      }, 500);
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect());
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${OUTCOME_CHANNEL}`);
    this.listening = true;
  }

  private wake(id: string, known?: Outcome): void {
    const list = this.waiting.get(id);
    if (!list) return;
    this.waiting.delete(id);
    for (const resolve of list) resolve(known);
  }

  private wakeAll(): void {
    for (const id of [...this.waiting.keys()]) this.wake(id);
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
     SELECT pg_notify($9, concat_ws(' ', command_id, $4::text)) FROM o`,
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
