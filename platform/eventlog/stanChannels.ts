import type * as stan from 'node-nats-streaming';
import type { JetStreamChannel } from './jetstreamNames';

export const CHANNEL_KINDS: readonly JetStreamChannel[] = ['event', 'command', 'process', 'parked'];

/** A channel of the log as NATS Streaming's monitoring endpoint describes it. */
export interface StanChannel {
  name: string;
  category: string;
  kind: JetStreamChannel;
  /** 0 when the channel holds nothing. */
  firstSeq: number;
  lastSeq: number;
  msgs: number;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${(await res.text()).trim()}`);
  return res.json();
}

/**
 * The channels under a prefix, found by asking the server (its monitoring endpoint) rather than
 * by naming the categories the code knows: a category dropped from the code, or one a newer
 * version added, still holds history the copy must not leave behind. Only channels laid out as
 * `<prefix><category>.<kind>` (a category holds no dot) are the log's: with an empty prefix,
 * another prefix's channels (`t1234.user.event`) have one dot too many and are left alone.
 * Asking also says where each channel ends without writing to it: a read through the port would
 * write a fence into the log being moved.
 */
export async function listStanChannels(monitorUrl: string, prefix: string): Promise<StanChannel[]> {
  const base = monitorUrl.replace(/\/+$/, '');
  const names: string[] = [];
  for (let offset = 0; ;) {
    const page = (await getJson(`${base}/streaming/channelsz?limit=1024&offset=${offset}`)) as {
      names?: string[] | null;
      total: number;
    };
    const got = page.names ?? [];
    names.push(...got);
    offset += got.length;
    if (got.length === 0 || offset >= page.total) break;
  }
  const channels: StanChannel[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith(prefix)) continue;
    const parts = name.slice(prefix.length).split('.');
    if (parts.length !== 2) continue;
    const [category = '', kind = ''] = parts;
    if (category === '' || !(CHANNEL_KINDS as readonly string[]).includes(kind)) continue;
    const info = (await getJson(
      `${base}/streaming/channelsz?channel=${encodeURIComponent(name)}`,
    )) as { msgs: number; first_seq: number; last_seq: number };
    channels.push({
      name,
      category,
      kind: kind as JetStreamChannel,
      firstSeq: info.first_seq,
      lastSeq: info.last_seq,
      msgs: info.msgs,
    });
  }
  return channels;
}

/** Entries the server sends ahead of what the copy has handled. */
const WINDOW = 1024;

/**
 * A channel's messages `from`..`to` in order, read with a plain subscription: nothing is written
 * to the channel (the port's `read` writes a fence to find the end; here the monitoring endpoint
 * told it, and the writers are stopped). Each message is acknowledged once the caller asked for
 * the next, so the server keeps no more than WINDOW unhandled ones in flight.
 */
export async function* readStanChannel(
  sc: stan.Stan,
  channel: string,
  from: number,
  to: number,
): AsyncGenerator<{ seq: number; body: string }> {
  if (from > to) return;
  const queue: stan.Message[] = [];
  let wake: (() => void) | null = null;
  // Held in an object: the subscription's error handler sets it between the loop's awaits.
  const failed: { err: Error | null } = { err: null };
  const opts = sc
    .subscriptionOptions()
    .setManualAckMode(true)
    .setAckWait(60_000)
    .setMaxInFlight(WINDOW)
    .setStartAtSequence(from);
  const sub = sc.subscribe(channel, opts);
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  sub.on('message', (m: stan.Message) => {
    queue.push(m);
    poke();
  });
  sub.on('error', (err: Error) => {
    failed.err = err;
    poke();
  });
  let next = from;
  try {
    while (next <= to) {
      const m = queue.shift();
      if (!m) {
        if (failed.err) throw failed.err;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      m.ack();
      const seq = m.getSequence();
      // A redelivery of what was handled already (a slow caller outlived the ack wait).
      if (seq < next) continue;
      if (seq !== next) throw new Error(`${channel}: expected position ${next}, got ${seq}`);
      next++;
      yield { seq, body: m.getData().toString() };
    }
  } finally {
    await new Promise<void>((resolve) => {
      if (sub.isClosed()) return resolve();
      const timer = setTimeout(resolve, 2000);
      sub.once('unsubscribed', () => {
        clearTimeout(timer);
        resolve();
      });
      sub.unsubscribe();
    });
  }
}
