/**
 * A record (string keys to values) that is changed by making a new one which shares all but
 * O(log32 n) of its storage with the old: a hash trie. A board's tasks live in one, so an event
 * on a board of 1,000 tasks copies a few dozen slots instead of the whole map, and the older
 * state stays valid: the component host keeps the state as of the last stored version beside the
 * newest one, and snapshots the former.
 *
 * It is handed out as a read-only Proxy that reads like the plain record it replaces (`tasks[id]`,
 * `id in tasks`, `Object.values(tasks)`, JSON), so whatever reads a board, snapshots included, sees
 * the same shape as before; a snapshot stored as a plain record is adopted on its first change.
 */

interface Leaf<V> {
  keys: string[];
  values: V[];
}
type Slot<V> = Leaf<V> | Branch<V> | undefined;
/** 32 slots, one per 5 bits of the key's hash at this depth. */
type Branch<V> = Slot<V>[];

const BITS = 5;
const WIDTH = 1 << BITS;
/** A leaf this full becomes a branch, unless the hash has no bits left to split it by. */
const LEAF_MAX = 8;
const MAX_SHIFT = 30;

/** FNV-1a: cheap, and spreads uuids (whose first characters may be a timestamp) over the slots. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const isBranch = <V>(s: Leaf<V> | Branch<V>): s is Branch<V> => Array.isArray(s);

function lookup<V>(slot: Slot<V>, key: string, hash: number): V | undefined {
  let shift = 0;
  while (slot !== undefined) {
    if (!isBranch(slot)) {
      const i = slot.keys.indexOf(key);
      return i < 0 ? undefined : slot.values[i];
    }
    slot = slot[(hash >>> shift) & (WIDTH - 1)];
    shift += BITS;
  }
  return undefined;
}

/** The slot with `key` set; `added` reports whether the key is new. */
function put<V>(
  slot: Slot<V>,
  key: string,
  hash: number,
  value: V,
  shift: number,
  added: { yes: boolean },
): Leaf<V> | Branch<V> {
  if (slot === undefined) {
    added.yes = true;
    return { keys: [key], values: [value] };
  }
  if (isBranch(slot)) {
    const i = (hash >>> shift) & (WIDTH - 1);
    const next = slot.slice();
    next[i] = put(slot[i], key, hash, value, shift + BITS, added);
    return next;
  }
  const at = slot.keys.indexOf(key);
  if (at >= 0) {
    const values = slot.values.slice();
    values[at] = value;
    return { keys: slot.keys, values };
  }
  if (slot.keys.length < LEAF_MAX || shift > MAX_SHIFT) {
    added.yes = true;
    return { keys: [...slot.keys, key], values: [...slot.values, value] };
  }
  let branch: Branch<V> = new Array<Slot<V>>(WIDTH).fill(undefined);
  const ignored = { yes: false };
  slot.keys.forEach((k, i) => {
    branch = put(branch, k, hashOf(k), slot.values[i] as V, shift, ignored) as Branch<V>;
  });
  return put(branch, key, hash, value, shift, added);
}

/** The slot without `key` (undefined when nothing is left), or the same slot when it is absent. */
function remove<V>(slot: Slot<V>, key: string, hash: number, shift: number): Slot<V> {
  if (slot === undefined) return undefined;
  if (isBranch(slot)) {
    const i = (hash >>> shift) & (WIDTH - 1);
    const child = remove(slot[i], key, hash, shift + BITS);
    if (child === slot[i]) return slot;
    const next = slot.slice();
    next[i] = child;
    return next.some((s) => s !== undefined) ? next : undefined;
  }
  const at = slot.keys.indexOf(key);
  if (at < 0) return slot;
  if (slot.keys.length === 1) return undefined;
  return {
    keys: slot.keys.filter((_, i) => i !== at),
    values: slot.values.filter((_, i) => i !== at),
  };
}

function* entries<V>(slot: Slot<V>): Generator<[string, V]> {
  if (slot === undefined) return;
  if (isBranch(slot)) {
    for (const s of slot) yield* entries(s);
    return;
  }
  for (let i = 0; i < slot.keys.length; i++) yield [slot.keys[i] as string, slot.values[i] as V];
}

/** The trie behind a record handed out by `persistent`. */
class Trie<V> {
  constructor(
    readonly root: Slot<V>,
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    return lookup(this.root, key, hashOf(key));
  }

  set(key: string, value: V): Trie<V> {
    const added = { yes: false };
    const root = put(this.root, key, hashOf(key), value, 0, added);
    return new Trie(root, this.size + (added.yes ? 1 : 0));
  }

  delete(key: string): Trie<V> {
    const root = remove(this.root, key, hashOf(key), 0);
    return root === this.root ? this : new Trie(root, this.size - 1);
  }

  keys(): string[] {
    const out: string[] = [];
    for (const [k] of entries(this.root)) out.push(k);
    return out;
  }

  toObject(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const [k, v] of entries(this.root)) out[k] = v;
    return out;
  }
}

const TRIE = Symbol('persistentRecord');

const immutable = (): never => {
  throw new TypeError('a persistent record is read-only: change it with setIn / deleteIn');
};

const descriptor = (value: unknown): PropertyDescriptor => ({
  value,
  writable: false,
  enumerable: true,
  configurable: true,
});

/**
 * The Proxy's target is the trie itself (extensible, with no keys of the record's own), so the
 * traps may report the record's keys freely. `toJSON` makes JSON (the snapshots) one pass over the
 * trie instead of a trap call per key.
 */
const handler: ProxyHandler<Trie<unknown>> = {
  get(t, key) {
    if (key === TRIE) return t;
    if (key === 'toJSON') return () => t.toObject();
    return typeof key === 'string' ? t.get(key) : undefined;
  },
  has: (t, key) => typeof key === 'string' && t.get(key) !== undefined,
  ownKeys: (t) => t.keys(),
  getOwnPropertyDescriptor(t, key) {
    if (typeof key !== 'string') return undefined;
    const value = t.get(key);
    return value === undefined ? undefined : descriptor(value);
  },
  getPrototypeOf: () => Object.prototype,
  set: immutable,
  defineProperty: immutable,
  deleteProperty: immutable,
  setPrototypeOf: immutable,
};

const wrap = <V>(trie: Trie<V>): Record<string, V> =>
  new Proxy(trie, handler) as unknown as Record<string, V>;

/** The trie of a record: its own, or a new one for a plain record (a snapshot, a test's board). */
function trieOf<V>(record: Readonly<Record<string, V>>): Trie<V> {
  const own = (record as Record<symbol, unknown>)[TRIE] as Trie<V> | undefined;
  if (own) return own;
  let trie = new Trie<V>(undefined, 0);
  for (const [k, v] of Object.entries(record)) trie = trie.set(k, v);
  return trie;
}

/** `record` with `key` set to `value`; `record` is unchanged. */
export const setIn = <V>(record: Readonly<Record<string, V>>, key: string, value: V) =>
  wrap(trieOf(record).set(key, value));

/** `record` without `key`; `record` is unchanged. */
export const deleteIn = <V>(record: Readonly<Record<string, V>>, key: string) =>
  wrap(trieOf(record).delete(key));

/** How many keys `record` holds: O(1) for a persistent record. */
export const sizeOf = (record: Readonly<Record<string, unknown>>): number => {
  const own = (record as Record<symbol, unknown>)[TRIE] as Trie<unknown> | undefined;
  return own ? own.size : Object.keys(record).length;
};

/** An empty persistent record. */
export const emptyRecord = <V>(): Record<string, V> => wrap(new Trie<V>(undefined, 0));
