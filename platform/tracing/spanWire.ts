import type {
  Attributes,
  HrTime,
  Link,
  SpanContext,
  SpanKind,
  SpanStatus,
} from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { TraceState } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';

/**
 * A finished span as it crosses to the export thread: plain data that structured cloning copies
 * (a span's methods, its trace state object and its resource's class do not survive a
 * postMessage), rebuilt there into what the OTLP exporters read.
 */
interface WireContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: string;
}

export interface WireSpan {
  name: string;
  kind: SpanKind;
  context: WireContext;
  parentSpanId?: string;
  startTime: HrTime;
  endTime: HrTime;
  duration: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  links: Array<{
    context: WireContext;
    attributes?: Attributes;
    droppedAttributesCount?: number;
  }>;
  events: TimedEvent[];
  /** Index into the batch's resources: most batches share one. */
  resource: number;
  scope: { name: string; version?: string; schemaUrl?: string };
  dropped: [attributes: number, events: number, links: number];
}

export interface WireBatch {
  spans: WireSpan[];
  resources: Attributes[];
}

const wireContext = (c: SpanContext): WireContext => ({
  traceId: c.traceId,
  spanId: c.spanId,
  traceFlags: c.traceFlags,
  ...(c.isRemote === undefined ? {} : { isRemote: c.isRemote }),
  ...(c.traceState ? { traceState: c.traceState.serialize() } : {}),
});

const fromWire = (c: WireContext): SpanContext => ({
  traceId: c.traceId,
  spanId: c.spanId,
  traceFlags: c.traceFlags,
  ...(c.isRemote === undefined ? {} : { isRemote: c.isRemote }),
  ...(c.traceState === undefined ? {} : { traceState: new TraceState(c.traceState) }),
});

const isValue = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  typeof v === 'string' ||
  typeof v === 'number' ||
  typeof v === 'boolean';

/**
 * Attributes as OpenTelemetry defines them: primitives and arrays of primitives. Spans that come
 * from elsewhere may carry more (the Temporal SDK adds the whole workflow info to its workflows'
 * spans, functions included, which no postMessage can copy): what is not an attribute is left out.
 */
function attributeValues(attributes: Attributes): Attributes {
  const ok = (v: unknown) => isValue(v) || (Array.isArray(v) && v.every(isValue));
  if (Object.values(attributes).every(ok)) return attributes;
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => ok(v)));
}

export function toWire(spans: readonly ReadableSpan[]): WireBatch {
  const resources: Attributes[] = [];
  const indexes = new Map<unknown, number>();
  const wire = spans.map((s): WireSpan => {
    let resource = indexes.get(s.resource);
    if (resource === undefined) {
      resource = resources.push(s.resource.attributes) - 1;
      indexes.set(s.resource, resource);
    }
    const scope = s.instrumentationLibrary;
    return {
      name: s.name,
      kind: s.kind,
      context: wireContext(s.spanContext()),
      ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
      startTime: s.startTime,
      endTime: s.endTime,
      duration: s.duration,
      status: s.status,
      attributes: attributeValues(s.attributes),
      links: s.links.map((l) => ({
        context: wireContext(l.context),
        ...(l.attributes ? { attributes: attributeValues(l.attributes) } : {}),
        ...(l.droppedAttributesCount === undefined
          ? {}
          : { droppedAttributesCount: l.droppedAttributesCount }),
      })),
      events: s.events.map((e) =>
        e.attributes ? { ...e, attributes: attributeValues(e.attributes) } : e,
      ),
      resource,
      scope: {
        name: scope.name,
        ...(scope.version === undefined ? {} : { version: scope.version }),
        ...(scope.schemaUrl === undefined ? {} : { schemaUrl: scope.schemaUrl }),
      },
      dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
    };
  });
  return { spans: wire, resources };
}

export function fromWireBatch(batch: WireBatch): ReadableSpan[] {
  const resources = batch.resources.map((attributes) => new Resource(attributes));
  return batch.spans.map((s): ReadableSpan => {
    const context = fromWire(s.context);
    const links: Link[] = s.links.map((l) => ({ ...l, context: fromWire(l.context) }));
    return {
      name: s.name,
      kind: s.kind,
      spanContext: () => context,
      ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
      startTime: s.startTime,
      endTime: s.endTime,
      duration: s.duration,
      status: s.status,
      attributes: s.attributes,
      links,
      events: s.events,
      ended: true,
      resource: resources[s.resource] ?? Resource.empty(),
      instrumentationLibrary: s.scope,
      droppedAttributesCount: s.dropped[0],
      droppedEventsCount: s.dropped[1],
      droppedLinksCount: s.dropped[2],
    };
  });
}
