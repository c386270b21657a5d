import type { QueryResult, QueryResultRow } from 'pg';
import { inlined } from './inlined';
import type { Tx } from './pool';

/**
 * A statement that changes rows and asks for none back: INSERT, UPDATE, DELETE, or a WITH whose
 * parts do one of these, without RETURNING. Only such statements are held back.
 */
export function isBlindWrite(text: string): boolean {
  const t = text.trimStart();
  if (/\bRETURNING\b/i.test(t)) return false;
  if (/^(INSERT|UPDATE|DELETE)\b/i.test(t)) return true;
  return /^WITH\b/i.test(t) && /\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+[\w.]+\s+SET)\b/i.test(t);
}

const nothing = <R extends QueryResultRow>(): QueryResult<R> => ({
  command: '',
  rowCount: null,
  oid: 0,
  fields: [],
  rows: [],
});

/** The last result of a simple-protocol query: one result, or one per statement. */
const lastOf = <R extends QueryResultRow>(r: QueryResult<R> | Array<QueryResult<R>>) =>
  Array.isArray(r) ? (r[r.length - 1] ?? nothing<R>()) : r;

/**
 * A transaction's connection whose blind writes (`isBlindWrite`) are held and sent together
 * with the next statement that needs an answer, or with `finish` (the commit): the writes of a
 * projector batch then cost no round trip of their own. A held write answers at once with no
 * rows and no count; its error, if any, comes from the statement it travels with, which fails
 * the whole transaction as it would have. Order is kept: a read sees every write before it.
 */
export class WriteBehind {
  private held: string[] = [];
  /** What the appliers are given: the connection, with `query` holding blind writes back. */
  readonly tx: Tx;

  constructor(private readonly client: Tx) {
    const query = (text: unknown, values?: unknown) => this.query(text, values);
    this.tx = Object.assign(Object.create(client) as Tx, { query });
  }

  get pending(): number {
    return this.held.length;
  }

  /** Holds the statement back (its values written in). */
  hold(text: string, values?: readonly unknown[]): void {
    this.held.push(inlined(text, values));
  }

  /** Sends what is held, then `text` (and `values`), in one round trip; answers `text`'s result. */
  async run<R extends QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    if (this.held.length === 0) return this.client.query<R>(text, values as unknown[]);
    const statements = [...this.held, inlined(text, values)];
    this.held = [];
    return lastOf(
      (await this.client.query<R>(statements.join(';\n'))) as
        QueryResult<R> | Array<QueryResult<R>>,
    );
  }

  /** Sends what is held followed by `tail` (plain statements, e.g. COMMIT), in one round trip. */
  async finish(...tail: string[]): Promise<void> {
    const statements = [...this.held, ...tail];
    this.held = [];
    if (statements.length > 0) await this.client.query(statements.join(';\n'));
  }

  private query(text: unknown, values?: unknown): Promise<unknown> {
    if (typeof text === 'string' && (values === undefined || Array.isArray(values))) {
      if (isBlindWrite(text)) {
        this.hold(text, values);
        return Promise.resolve(nothing());
      }
      return this.run(text, values);
    }
    // A config object or a callback: sent as given, after what is held.
    return this.finish().then(() =>
      (this.client.query as (...a: unknown[]) => Promise<unknown>).call(this.client, text, values),
    );
  }
}
