import type { Attributes, AttributeValue, HrTime, Link } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * Finished spans as an OTLP/HTTP export request body, in either of the encodings the standard
 * variable may ask for: `http/protobuf` (ExportTraceServiceRequest, opentelemetry-proto's
 * trace.proto and common.proto field numbers) or `http/json` (the same message in OTLP/JSON, ids
 * in hex). It carries what the SDK's own serializers carry, field for field (the unit test holds
 * them side by side), and is written straight from the spans: the SDK's builds an object tree
 * first, with a BigInt per timestamp, and costs tens of microseconds a span (as protobuf) where
 * this costs a few.
 */
export type OtlpHttpProtocol = 'http/protobuf' | 'http/json';

/**
 * Attribute values as OpenTelemetry defines them: primitives and arrays of them. Spans that come
 * from elsewhere may carry more (the Temporal SDK adds the whole workflow info to its workflows'
 * spans, functions included): what is not an attribute value is left out.
 */
type Primitive = string | number | boolean;
const isPrimitive = (v: unknown): v is Primitive =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isValue = (v: unknown): v is AttributeValue =>
  isPrimitive(v) ||
  (Array.isArray(v) && v.every((x) => x === null || x === undefined || isPrimitive(x)));

interface Group {
  resource: Attributes;
  scopes: Map<
    string,
    { name: string; version?: string; schemaUrl?: string; spans: ReadableSpan[] }
  >;
}

/** Spans by resource, then by instrumentation scope, each in the order first met (as the SDK does). */
function grouped(spans: readonly ReadableSpan[]): Group[] {
  const byResource = new Map<unknown, Group>();
  for (const span of spans) {
    let group = byResource.get(span.resource);
    if (!group) {
      group = { resource: span.resource.attributes, scopes: new Map() };
      byResource.set(span.resource, group);
    }
    const { name, version, schemaUrl } = span.instrumentationLibrary;
    const key = `${name}@${version ?? ''}:${schemaUrl ?? ''}`;
    let scope = group.scopes.get(key);
    if (!scope) {
      scope = { name, spans: [] };
      if (version !== undefined) scope.version = version;
      if (schemaUrl !== undefined) scope.schemaUrl = schemaUrl;
      group.scopes.set(key, scope);
    }
    scope.spans.push(span);
  }
  return [...byResource.values()];
}

export function encodeSpans(
  spans: readonly ReadableSpan[],
  protocol: OtlpHttpProtocol,
): Uint8Array {
  return protocol === 'http/json' ? encodeJson(spans) : encodeProtobuf(spans);
}

// ---- protobuf ---------------------------------------------------------------------------------

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const TWO_16 = 2 ** 16;
const TWO_32 = 2 ** 32;

/** A growing buffer that protobuf fields are appended to. */
class Writer {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer below 2^53. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  uint(field: number, n: number): void {
    if (n === 0) return;
    this.tag(field, VARINT);
    this.varint(n);
  }

  /**
   * int64 as protobuf writes it: a negative number is its 64-bit two's complement (ten bytes),
   * and one past int64's range wraps modulo 2^64, as the SDK's encoder does, rather than making a
   * varint no decoder takes (which would cost the collector the whole batch).
   */
  int64(field: number, n: number): void {
    this.tag(field, VARINT);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) return this.varint(n);
    // In two 32-bit halves; every step is exact for an integer-valued double.
    const magnitude = Math.abs(n);
    let lo = magnitude % TWO_32;
    let hi = Math.floor(magnitude / TWO_32) % TWO_32;
    if (n < 0) {
      lo = (~lo >>> 0) + 1;
      hi = ~hi >>> 0;
      if (lo === TWO_32) {
        lo = 0;
        hi = (hi + 1) >>> 0;
      }
    }
    this.ensure(10);
    while (hi > 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  double(field: number, x: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(x, this.pos);
  }

  /** A timestamp in nanoseconds since the epoch, as fixed64. */
  time(field: number, t: HrTime): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    // seconds * 1e9 + nanos is past a double's exact integers: seconds in 16-bit halves keep
    // every product below 2^47.
    const [seconds, ns] = t;
    const low16 = seconds % TWO_16;
    const high = Math.floor(seconds / TWO_16) * 1e9;
    const lo = low16 * 1e9 + ns + (high % TWO_16) * TWO_16;
    const hi = Math.floor(high / TWO_16) + Math.floor(lo / TWO_32);
    this.pos = this.buf.writeUInt32LE(lo % TWO_32, this.pos);
    this.pos = this.buf.writeUInt32LE(hi % TWO_32, this.pos);
  }

  /** A string field; an empty one is left out (proto3's default) unless `always`. */
  string(field: number, s: string | undefined, always = false): void {
    if (!s && !always) return;
    this.tag(field, LEN);
    const text = s ?? '';
    const n = text.length;
    this.ensure(n * 3 + 5);
    // The length first, guessed at one byte and moved if the string was longer.
    const at = this.pos++;
    // Most strings are short ASCII (attribute keys, names, routes): a loop here costs less than
    // a call into Buffer's encoder.
    if (n < 0x80) {
      const buf = this.buf;
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[at] = n;
        this.pos = p;
        return;
      }
    }
    const written = this.buf.write(text, this.pos, 'utf8');
    this.pos += written;
    this.patchLength(at, written);
  }

  /** A trace or span id, given in hex. */
  id(field: number, hex: string | undefined): void {
    if (!hex) return;
    this.tag(field, LEN);
    this.ensure(hex.length / 2 + 1);
    const at = this.pos++;
    const n = this.buf.write(hex, this.pos, 'hex');
    this.pos += n;
    // Valid ids are 16 or 8 bytes; whatever else a span from elsewhere holds stays well-formed.
    this.patchLength(at, n);
  }

  /**
   * Opens a nested message, whose fields are written next; `close` with what this returns puts
   * its length before them. (A pair of calls rather than a callback: no closure per message.)
   */
  open(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    return this.pos++;
  }

  close(at: number): void {
    this.patchLength(at, this.pos - at - 1);
  }

  /** Writes `length` at `at`, where one byte was left for it, moving the body if it needs more. */
  private patchLength(at: number, length: number): void {
    if (length < 0x80) {
      this.buf[at] = length;
      return;
    }
    let size = 1;
    for (let n = length; n >= 0x80; n = Math.floor(n / 0x80)) size++;
    this.ensure(size - 1);
    this.buf.copy(this.buf, at + size, at + 1, this.pos);
    this.pos += size - 1;
    let n = length;
    for (let i = 0; i < size - 1; i++) {
      this.buf[at + i] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[at + size - 1] = n;
  }

  finish(): Uint8Array {
    // A copy of its own, so its buffer can be handed to another thread whole.
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }
}

/** AnyValue: string 1, bool 2, int 3, double 4, array 5. */
function anyValue(w: Writer, v: Primitive | null | undefined): void {
  // An empty string is still a value, unlike an empty field.
  if (typeof v === 'string') w.string(1, v, true);
  else if (typeof v === 'boolean') {
    w.tag(2, VARINT);
    w.varint(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) w.int64(3, v);
    else w.double(4, v);
  }
}

/** KeyValue { key 1, value 2 } for each attribute that is one. */
function attributes(w: Writer, field: number, attrs: Attributes | undefined): void {
  if (!attrs) return;
  for (const key in attrs) {
    const v = attrs[key];
    if (!isValue(v)) continue;
    const pair = w.open(field);
    w.string(1, key);
    const value = w.open(2);
    if (Array.isArray(v)) {
      const array = w.open(5);
      for (const x of v) {
        const item = w.open(1);
        anyValue(w, x);
        w.close(item);
      }
      w.close(array);
    } else anyValue(w, v);
    w.close(value);
    w.close(pair);
  }
}

function protoEvent(w: Writer, e: TimedEvent): void {
  w.time(1, e.time);
  w.string(2, e.name);
  attributes(w, 3, e.attributes);
  w.uint(4, e.droppedAttributesCount ?? 0);
}

function protoLink(w: Writer, l: Link): void {
  w.id(1, l.context.traceId);
  w.id(2, l.context.spanId);
  w.string(3, l.context.traceState?.serialize());
  attributes(w, 4, l.attributes);
  w.uint(5, l.droppedAttributesCount ?? 0);
}

function protoSpan(w: Writer, s: ReadableSpan): void {
  const ctx = s.spanContext();
  w.id(1, ctx.traceId);
  w.id(2, ctx.spanId);
  w.string(3, ctx.traceState?.serialize());
  w.id(4, s.parentSpanId);
  w.string(5, s.name);
  // The API's kinds start at INTERNAL = 0, OTLP's at UNSPECIFIED = 0.
  w.uint(6, s.kind + 1);
  w.time(7, s.startTime);
  w.time(8, s.endTime);
  attributes(w, 9, s.attributes);
  w.uint(10, s.droppedAttributesCount);
  for (const e of s.events) {
    const at = w.open(11);
    protoEvent(w, e);
    w.close(at);
  }
  w.uint(12, s.droppedEventsCount);
  for (const l of s.links) {
    const at = w.open(13);
    protoLink(w, l);
    w.close(at);
  }
  w.uint(14, s.droppedLinksCount);
  const status = w.open(15);
  w.string(2, s.status.message);
  w.uint(3, s.status.code);
  w.close(status);
}

function encodeProtobuf(spans: readonly ReadableSpan[]): Uint8Array {
  const w = new Writer();
  for (const group of grouped(spans)) {
    // ResourceSpans { resource 1, scope_spans 2 }
    const resourceSpans = w.open(1);
    const resource = w.open(1);
    attributes(w, 1, group.resource);
    w.close(resource);
    for (const scope of group.scopes.values()) {
      // ScopeSpans { scope 1, spans 2, schema_url 3 }
      const scopeSpans = w.open(2);
      const name = w.open(1);
      w.string(1, scope.name);
      w.string(2, scope.version);
      w.close(name);
      for (const span of scope.spans) {
        const at = w.open(2);
        protoSpan(w, span);
        w.close(at);
      }
      w.string(3, scope.schemaUrl);
      w.close(scopeSpans);
    }
    w.close(resourceSpans);
  }
  return w.finish();
}

// ---- JSON -------------------------------------------------------------------------------------

/** Nanoseconds since the epoch, in decimal, without a BigInt. */
const nanos = ([seconds, ns]: HrTime): string =>
  seconds === 0 ? String(ns) : `${seconds}${String(ns).padStart(9, '0')}`;

const jsonValue = (v: Primitive | null | undefined): object => {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  return {};
};

function jsonAttributes(attrs: Attributes | undefined): object[] {
  const out: object[] = [];
  if (!attrs) return out;
  for (const key in attrs) {
    const v = attrs[key];
    if (!isValue(v)) continue;
    out.push({
      key,
      value: Array.isArray(v) ? { arrayValue: { values: v.map(jsonValue) } } : jsonValue(v),
    });
  }
  return out;
}

function jsonSpan(s: ReadableSpan): object {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanId,
    traceState: ctx.traceState?.serialize(),
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: jsonAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      attributes: jsonAttributes(e.attributes),
      name: e.name,
      timeUnixNano: nanos(e.time),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    status: { code: s.status.code, message: s.status.message },
    links: s.links.map((l) => ({
      attributes: jsonAttributes(l.attributes),
      spanId: l.context.spanId,
      traceId: l.context.traceId,
      traceState: l.context.traceState?.serialize(),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: s.droppedLinksCount,
  };
}

function encodeJson(spans: readonly ReadableSpan[]): Uint8Array {
  const resourceSpans = grouped(spans).map((group) => ({
    resource: { attributes: jsonAttributes(group.resource), droppedAttributesCount: 0 },
    scopeSpans: [...group.scopes.values()].map((scope) => ({
      scope: { name: scope.name, version: scope.version },
      spans: scope.spans.map(jsonSpan),
      schemaUrl: scope.schemaUrl,
    })),
    schemaUrl: undefined,
  }));
  // Not Buffer.from: a small one shares a pooled slab, which cannot be handed to another thread.
  return new TextEncoder().encode(JSON.stringify({ resourceSpans }));
}
