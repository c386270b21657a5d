import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

/**
 * The tracing port the hosts use. Business code never sees OpenTelemetry: a message carries its
 * producer's W3C `traceparent` in its metadata, and a host runs its work on it `inSpan`. Until
 * `platform/tracing/start` has started the SDK (only when an OTLP endpoint is configured) every
 * function here is a no-op that costs a boolean test.
 */

let enabled = false;
let stop: (() => Promise<void>) | null = null;

/** Called once the SDK runs; `shutdown` flushes what is still buffered. */
export function tracingStarted(shutdown: () => Promise<void>): void {
  enabled = true;
  stop = shutdown;
}

export const tracingEnabled = (): boolean => enabled;

/** Sends what is buffered and stops the SDK; bounded, so a collector that is away cannot hold a stop. */
export async function shutdownTracing(timeoutMs = 5000): Promise<void> {
  const shutdown = stop;
  if (!shutdown) return;
  stop = null;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The span context a `traceparent` names, or null for anything else. Metadata comes from the log
 * and a header from anyone: what is not a valid trace context starts a new trace, never fails.
 */
export function parseTraceparent(value: unknown): SpanContext | null {
  if (typeof value !== 'string') return null;
  const m = TRACEPARENT.exec(value);
  if (!m || m[1] === 'ff') return null;
  const sc: SpanContext = {
    traceId: m[2] ?? '',
    spanId: m[3] ?? '',
    traceFlags: parseInt(m[4] ?? '0', 16) & 1,
    isRemote: true,
  };
  return isSpanContextValid(sc) ? sc : null;
}

const formatTraceparent = (sc: SpanContext): string =>
  `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}`;

/** The trace id inside a `traceparent` (for the metadata's `traceId`). */
export const traceIdOf = (traceparent: string): string | undefined =>
  parseTraceparent(traceparent)?.traceId;

/** The `traceparent` of the span running now, for the message it sends; undefined when none. */
export function currentTraceparent(): string | undefined {
  if (!enabled) return undefined;
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? formatTraceparent(sc) : undefined;
}

/**
 * Runs `fn` outside whatever trace is current: for background work started on a request's way
 * (a refresh timer set up by the first request), which is no part of that request and would
 * otherwise add a span to its trace on every tick, for as long as the process lives.
 */
export function detached<T>(fn: () => T): T {
  return enabled ? context.with(ROOT_CONTEXT, fn) : fn();
}

export interface SpanOptions {
  /** `consumer` for work on a message another process produced. */
  kind?: 'internal' | 'consumer';
  attributes?: Attributes;
  /** Other messages the work is also about (a batch's later entries), as span links. */
  links?: Array<string | undefined>;
}

/** At most this many links on one span: a batch of 500 entries would otherwise carry 500. */
const MAX_LINKS = 64;

/**
 * Runs `fn` in a span that is a child of `parent` (a message's traceparent; a new trace when it
 * has none or a broken one), never of whatever context the caller happens to run in: a log
 * client's callbacks run in the context of whoever opened its socket. A promise ends the span
 * when it settles, and a failure is recorded on it.
 */
export function inSpan<T>(
  name: string,
  parent: string | undefined,
  fn: () => T,
  options: SpanOptions = {},
): T {
  if (!enabled) return fn();
  const parentContext = parseTraceparent(parent);
  const base = parentContext ? trace.setSpanContext(ROOT_CONTEXT, parentContext) : ROOT_CONTEXT;
  const links: Link[] = [];
  for (const l of options.links ?? []) {
    const sc = parseTraceparent(l);
    if (sc && l !== parent && links.length < MAX_LINKS) links.push({ context: sc });
  }
  const span = trace.getTracer('devpie').startSpan(
    name,
    {
      kind: options.kind === 'consumer' ? SpanKind.CONSUMER : SpanKind.INTERNAL,
      attributes: options.attributes,
      links,
    },
    base,
  );
  let result: T;
  try {
    result = context.with(trace.setSpan(base, span), fn);
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    result.then(
      () => span.end(),
      (err: unknown) => {
        fail(span, err);
        span.end();
      },
    );
  } else span.end();
  return result;
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : '' });
}
