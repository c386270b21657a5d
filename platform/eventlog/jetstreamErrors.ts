import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/** The client wraps some failures (a request that timed out, nobody listening) in others. */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && chain.length < 5;) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

/** No answer (in time, or from anyone): what was sent may or may not be stored. */
export const isUnanswered = (err: unknown): boolean =>
  causes(err).some(
    (e) =>
      e instanceof Error &&
      // By name: the classes live in @nats-io/nats-core, which we only reach through the client.
      (e.name === 'TimeoutError' ||
        e.name === 'NoResponders' ||
        (e.name === 'RequestError' && /timeout|no responders/i.test(e.message))),
  );

/** The server refused an append: its subject does not end at the sequence it expected. */
export const isWrongLastSequence = (err: unknown): boolean =>
  err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;

export const isNotFound = (err: unknown): boolean =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamNotFound ||
    err.code === JetStreamApiCodes.ConsumerNotFound);

/** The connection was closed (by us, or for good): nothing more goes through it. */
export const isClosed = (err: unknown): boolean =>
  causes(err).some((e) => e instanceof Error && e.name === 'ClosedConnectionError');
