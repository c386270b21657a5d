/**
 * Whether a failure says nothing about the data: the connection or the server went away, or
 * the server is busy. Such a batch is tried again as it is; anything else (a value the database
 * refuses, a bug) will fail the same way on every attempt, and the entry that causes it is parked.
 */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  // SQLSTATE classes: 08 connection, 53 insufficient resources, 57P operator intervention
  // (shutdown, crash), 40 serialization failure or deadlock, 55P03 lock not available.
  if (/^(08|53|57P|40)/.test(code) || code === '55P03') return true;
  if (/^E(CONNRESET|CONNREFUSED|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND|AI_AGAIN)$/.test(code))
    return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect|Query read timeout/i.test(
    message,
  );
}
