/**
 * Hostile input, part 1: every write endpoint of the API, fed bodies, path ids and headers that
 * mix valid shapes with hostile values, on the whole system as `npm start` runs it (with a real
 * SMTP server, so mail goes through nodemailer as in production).
 *
 * What must hold, whatever a caller sends:
 *  - the answer is 2xx or 4xx, every error is JSON `{error: string}`, and the connection is
 *    answered rather than dropped (a 5xx or a reset is our failure, never the caller's);
 *  - the answer is one the OpenAPI document describes for the route: a status it lists, a body
 *    its schema allows;
 *  - a caller with no part in a fixture never changes it, and a refused request leaves nothing
 *    behind (checked where a route sends two commands);
 *  - nothing the API lets through is something a consumer cannot apply: no entry is parked (in
 *    the table or on a parked channel), no error is logged, no side effect or activity is retried
 *    again and again, every approved estimate gets its invoice, and the process stays ready;
 *  - the views stay a function of the log: the board and user views equal a fold of their events
 *    with the deciders' own `evolve`, and every context's views equal a fresh replay of the log.
 *
 * Requests go one at a time, so a failing case can be read on its own. Failures are collected
 * rather than thrown, so one run reports every kind of bug it met; PROPTEST_SHRINK=1 throws at the
 * first one instead and lets fast-check shrink it. PROPTEST_RUNS bounds the number of requests
 * (the default keeps the suite near a minute and a half on two cores), PROPTEST_SEED replays a
 * run's choices (the system's state, and so some answers, may still differ), PROPTEST_OUTPUT names
 * a file for the process's own log.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Board } from '../components/projects/board';
import { boardDecider } from '../components/projects/boardDecider';
import { userDecider, type UserState } from '../components/identity/userDecider';
import { MAX_DURATION_MS } from '../contracts/formats';
import type { EventEnvelope } from '../contracts/envelope';
import type { ProjectEvent } from '../contracts/projects';
import type { IdentityEvent } from '../contracts/identity';
import { contracts } from '../contracts/registry';
import { decodeEntry } from '../platform/eventlog/entries';
import type { LogSession } from '../platform/eventlog/port';
import { ProjectorHost, type Projection } from '../platform/hosts/projectorHost';
import { nameId } from '../platform/ids';
import { stripeEventPayload, stripeSignature } from '../platform/payments/stripeTestEvents';
import { PostgresLeases } from '../platform/postgres/lease';
import { migrate } from '../platform/postgres/migrate';
import { PROJECTIONS } from '../projectors/catalog';
import { conformanceProblem } from '../test/support/conformance';
import { eventually, testLog, uniq } from '../test/support/env';
import { flows } from '../test/support/flows';
import { startTestSmtp, type TestSmtp } from '../test/support/smtp';
import { profile, startWholeSystem, type TestSystem } from '../test/support/system';

const RUNS = Number(process.env.PROPTEST_RUNS ?? 1200);
const SEED = process.env.PROPTEST_SEED ? Number(process.env.PROPTEST_SEED) : Date.now() % 2 ** 31;
const SHRINK = process.env.PROPTEST_SHRINK === '1';
/** A request that takes longer than this is hung, not slow: WRITE_WAIT_MS is 8 s. */
const REQUEST_TIMEOUT_MS = 30_000;

// Generous for the fixtures, the runs and the replays, but finite: a hang fails the suite.
jest.setTimeout(12 * 60_000);

// ---------------------------------------------------------------------------------------------
// Symbolic references: cases name fixtures ("the draft", "a column of the board"), resolved when
// the request is made, so a case is printable and stays meaningful as fixtures are used up.

class Ref {
  constructor(
    readonly name: string,
    readonly upper = false,
    readonly arg: number[] = [],
  ) {}
  [fc.toStringMethod](): string {
    return `<${this.name}${this.arg.length ? `(${this.arg.join(',')})` : ''}${this.upper ? ' UPPER' : ''}>`;
  }
}
const ref = (name: string, ...arg: number[]) => new Ref(name, false, arg);

/** A valid body with one change that should make it invalid (or at least odd). */
class Mutated {
  constructor(
    readonly base: unknown,
    readonly key: string,
    readonly value: unknown,
    readonly drop = false,
  ) {}
  [fc.toStringMethod](): string {
    return `${fc.stringify(this.base)} with ${this.drop ? `no ${this.key}` : `${JSON.stringify(this.key)}: ${fc.stringify(this.value)}`}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Values

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Storable (Postgres, JSON, UTF-8) yet apt to break naive code: what validation must let through. */
const NASTY_STORABLE = [
  '\u202eevil\u202c',
  '\u200f\u200e\u200b',
  'שלום עולם',
  'مرحبا بالعالم',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'Z̷̢͉̈́a̴̱͝l̸̰̈g̵͎̓o̷̧͋',
  '\ufeffbom',
  'line\u2028sep\u2029',
  '\u0001\u001f\u007f\u0085',
  '\uffff\ufffe\ufdd0',
  '\u{10ffff}\u{e0001}',
  '\\u0000',
  "Robert'); DROP TABLE projects;--",
  '$1 $$ %s %n %x',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '{"a":1}',
  'null',
  'NaN',
  '-0',
  '\u00a0x\u3000',
  'ǅİßﬀ',
];
/** Text no store can hold: NUL and unpaired surrogates. */
const UNSTORABLE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  'ok\ud83d',
  '\u0000'.repeat(10_000),
  `${'x'.repeat(9_999)}\ud800`,
];

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const codePoints = (s: string) => Array.from(s);

/** Strings around a length limit: at it and one past it, in UTF-16 units as TypeBox counts them. */
const atLength = (max: number): string[] => [
  'a'.repeat(max),
  'a'.repeat(max + 1),
  '😀'.repeat(Math.floor(max / 2)),
  'é'.repeat(max),
  `${'a'.repeat(max - 1)}😀`,
  '\u202e'.repeat(max),
  ' '.repeat(Math.min(max, 50)),
];

const hostileNumber = fc.constantFrom(
  -1,
  -0,
  0.5,
  1.5,
  1e12 + 1,
  9e15,
  MAX_SAFE,
  MAX_SAFE + 1,
  9e300,
  -9e300,
  2 ** 31,
  2 ** 63,
  Number.MIN_VALUE,
  1e21,
);
const numberLike = fc.constantFrom(
  '1',
  '0',
  '-1',
  '1e3',
  'NaN',
  'Infinity',
  '0x10',
  ' 1',
  '1_000',
  '١٢٣',
  '',
);
const badDay = fc.constantFrom(
  '2025-02-30',
  '0000-01-01',
  '2023-02-29',
  '2025-00-10',
  '2025-12-32',
  '10000-01-01',
  '2025-1-1',
  '2025-01-01T00:00:00Z',
  '20250101',
  '2025-01-01\n',
  '-2025-01-01',
  '+002025-01-01',
  '２０２５-０１-０１',
  'garbage',
  'yesterday',
);
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...UNSTORABLE),
  fc.constantFrom(...NASTY_STORABLE),
  hostileNumber,
  numberLike,
  badDay,
  fc.boolean(),
  fc.constant(null),
  fc.string({ unit: utf16Unit, maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), hostileScalar, { maxKeys: 3 }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      {},
      [],
      [[[]]],
      { toString: 'x' },
      { constructor: { prototype: { admin: true } } },
    ),
  },
);

/** Fields a caller must never set themselves: each must be an unknown field (400). */
const SNEAKY_KEYS = [
  'id',
  'userId',
  'ownerId',
  'projectId',
  'createdBy',
  'by',
  'status',
  'version',
  'sub',
  'role',
  'estimateId',
  'constructor',
  'toString',
  '',
  '💥',
  'a'.repeat(300),
];

interface Field {
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
}

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** Person-written text up to `max` UTF-16 units; `filled`: not empty, not only white space. */
function text(max: number, { filled = false }: { filled?: boolean } = {}): Field {
  const fit = (s: string) => {
    let out = '';
    for (const c of codePoints(s)) {
      if (out.length + c.length > max) break;
      out += c;
    }
    return filled && !/\S/.test(out) ? `x${out.slice(0, max - 1)}` : out;
  };
  const base = fc.oneof(
    w(4, fc.string({ unit: 'grapheme', minLength: filled ? 1 : 0, maxLength: 30 })),
    w(
      2,
      fc
        .string({ unit: 'binary', minLength: filled ? 1 : 0, maxLength: 30 })
        .filter((s) => !s.includes('\u0000')),
    ),
    w(3, fc.constantFrom(...NASTY_STORABLE)),
    w(1, fc.constantFrom(...atLength(max).filter((s) => s.length <= max))),
  );
  return {
    valid: base.map(fit),
    invalid: fc.oneof(
      w(3, fc.constantFrom(...UNSTORABLE)),
      w(2, fc.constantFrom(...atLength(max).filter((s) => s.length > max))),
      w(1, fc.constantFrom('', ' ', '\t\n', '\u00a0')),
      w(2, hostileValue),
    ),
  };
}

function int(min: number, max: number): Field {
  return {
    valid: fc.oneof(
      w(3, fc.integer({ min, max: Math.min(max, MAX_SAFE) })),
      w(1, fc.constantFrom(min, Math.min(max, MAX_SAFE))),
    ),
    invalid: fc.oneof(
      w(2, fc.constantFrom(min - 1, max + 1, min + 0.5, MAX_SAFE + 1, -MAX_SAFE, 9e300)),
      w(1, numberLike),
      w(1, hostileValue),
    ),
  };
}

function oneOf(...values: unknown[]): Field {
  return {
    valid: fc.constantFrom(...values),
    invalid: fc.oneof(
      fc.constantFrom(
        '',
        'ADMIN',
        'Administrator',
        'owner',
        ' editor',
        'hour ',
        'HOUR',
        'true',
        1,
        0,
      ),
      hostileValue,
    ),
  };
}

const bool: Field = {
  valid: fc.boolean(),
  invalid: fc.oneof(fc.constantFrom('true', 'false', 1, 0, 'yes', [] as unknown, {}), hostileValue),
};

const day: Field = {
  valid: fc.oneof(
    w(
      3,
      fc
        .date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10)),
    ),
    w(2, fc.constantFrom('2024-02-29', '0001-01-01', '9999-12-31', '2000-02-29', '2099-12-31')),
    w(
      2,
      fc
        .integer({ min: 2, max: 400 })
        .map((n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)),
    ),
  ),
  invalid: fc.oneof(w(3, badDay), w(1, hostileValue)),
};

const VALID_EMAILS = [
  'a@b.co',
  'Mixed.Case+tag@Example.COM',
  'ü@exämple.de',
  '用户@例子.广告',
  "o'neil@example.com",
  '"quoted"@example.com',
  'a<b>c@example.com',
  'x,y@example.com',
  '\u202eevil@example.com',
  '😀@😀.😀',
  `${'l'.repeat(64)}@${'d'.repeat(180)}.com`,
  `${'l'.repeat(240)}@example.com`.slice(0, 254),
];
const email: Field = {
  valid: fc.oneof(
    w(3, fc.emailAddress()),
    w(2, fc.constantFrom(...VALID_EMAILS)),
    w(2, fc.constant(ref('freshEmail'))),
  ),
  invalid: fc.oneof(
    fc.constantFrom(
      '',
      'plain',
      '@example.com',
      'a@',
      'a@b',
      'a@@b.co',
      'a b@c.de',
      ' a@b.co',
      'a@b.co\n',
      'a\u0000@b.co',
      '\ud800@b.co',
      `${'l'.repeat(250)}@example.com`,
      'a@b.co, c@d.ef',
    ),
    hostileValue,
  ),
};

const currency: Field = {
  valid: fc.constantFrom('EUR', 'USD', 'JPY', 'KWD', 'BHD', 'CLP', 'XOF', 'VES'),
  invalid: fc.oneof(
    fc.constantFrom('XXX', 'XTS', 'XAU', 'XDR', 'eur', 'EURO', '€', 'E U', '', 'ZZZ', 'BTC'),
    hostileValue,
  ),
};

const quantity: Field = {
  valid: fc.oneof(
    fc.constantFrom('0', '1', '1.5', '0.001', '9999999.999', '10.000', '1000'),
    fc.integer({ min: 0, max: 9_999_999 }).map(String),
  ),
  invalid: fc.oneof(
    fc.constantFrom('-1', '01', '1.2345', '1e3', '.5', '1.', '10000000', ' 1', '1,5', '١', 'NaN'),
    fc.constantFrom(1.5, 1, 0),
    hostileValue,
  ),
};

const https: Field = {
  valid: fc.oneof(
    fc.constantFrom(
      '',
      'https://example.com/p.png',
      'https://例え.jp/😀.png',
      'https://user:pass@example.com/x',
      'https://[::1]/x',
      `https://example.com/${'a'.repeat(2020)}`,
      'https://example.com/?q=<script>',
    ),
    fc.webUrl({ validSchemes: ['https'] }).filter((u) => u.length <= 2048),
  ),
  invalid: fc.oneof(
    fc.constantFrom(
      'javascript:alert(1)',
      'http://example.com/p.png',
      'https://',
      'data:image/png;base64,AAAA',
      '//example.com/p.png',
      'https://exa mple.com',
      `https://example.com/${'a'.repeat(2048)}`,
      'https://example.com/\u0000',
    ),
    hostileValue,
  ),
};

/** One of the fixtures (by name), at times in upper case or replaced by a stranger's id. */
function id(...names: string[]): Field {
  return {
    valid: fc.oneof(
      w(10, fc.constantFrom(...names.map((n) => ref(n)))),
      w(2, fc.constantFrom(...names.map((n) => new Ref(n, true)))),
      w(1, fc.uuid()),
    ),
    invalid: fc.oneof(
      fc.constantFrom(
        'not-a-uuid',
        '00000000-0000-0000-0000-00000000000g',
        '{00000000-0000-0000-0000-000000000000}',
        '00000000000000000000000000000000',
      ),
      hostileValue,
    ),
  };
}

const nullable = (f: Field): Field => ({
  valid: fc.oneof(w(4, f.valid), w(1, fc.constant(null))),
  invalid: f.invalid,
});

function array(
  f: Field,
  { min = 0, max, typical = 4 }: { min?: number; max: number; typical?: number },
): Field {
  return {
    valid: fc.oneof(
      w(6, fc.array(f.valid, { minLength: min, maxLength: Math.max(min, Math.min(max, typical)) })),
      w(
        1,
        f.valid.map((v) => Array.from({ length: max }, () => v)),
      ),
    ),
    invalid: fc.oneof(
      w(
        2,
        fc.tuple(fc.array(f.valid, { maxLength: 3 }), f.invalid).map(([ok, bad]) => [...ok, bad]),
      ),
      w(
        1,
        f.valid.map((v) => Array.from({ length: max + 1 }, () => v)),
      ),
      w(1, fc.constant(min > 0 ? [] : [[]])),
      w(1, hostileValue),
    ),
  };
}

/** An object of fields: valid with any optional ones, or valid but for one change. */
function object(
  fields: Record<string, Field>,
  required: string[] = [],
  { minProperties = 0 } = {},
): Field {
  const keys = Object.keys(fields);
  const valid = fc
    .record(Object.fromEntries(keys.map((k) => [k, fields[k]!.valid])), { requiredKeys: required })
    .filter((o) => Object.keys(o).length >= minProperties) as fc.Arbitrary<Record<string, unknown>>;
  const mutation: fc.Arbitrary<Mutated> = fc.oneof(
    ...(keys.length
      ? [
          w(
            5,
            fc
              .tuple(valid, fc.constantFrom(...keys))
              .chain(([o, k]) => fields[k]!.invalid.map((v) => new Mutated(o, k, v))),
          ),
        ]
      : []),
    w(
      2,
      fc
        .tuple(
          valid,
          fc.constantFrom(...SNEAKY_KEYS),
          fc.oneof(hostileValue, fc.constant(ref('ownerUser')), fc.constant('administrator')),
        )
        .map(([o, k, v]) => new Mutated(o, k, v)),
    ),
    ...(required.length
      ? [
          w(
            1,
            fc
              .tuple(valid, fc.constantFrom(...required))
              .map(([o, k]) => new Mutated(o, k, undefined, true)),
          ),
        ]
      : []),
  );
  return { valid, invalid: fc.oneof(w(6, mutation), w(1, hostileValue)) };
}

// ---------------------------------------------------------------------------------------------
// Requests

type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType?: string }
  | { kind: 'raw'; text: string | number[]; contentType?: string }
  | { kind: 'stripe'; signature: 'valid' | 'stale' | 'garbage'; event: Record<string, unknown> };

const json = (value: unknown): Body => ({ kind: 'json', value });
const NONE: Body = { kind: 'none' };

const DEEP = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
const RAW_BODIES: Body[] = [
  { kind: 'raw', text: '{' },
  { kind: 'raw', text: '{"title":' },
  { kind: 'raw', text: '"\\ud800"' },
  { kind: 'raw', text: '{"title":"\\u0000"}' },
  { kind: 'raw', text: '{"title":"\\ud800"}' },
  { kind: 'raw', text: '{"title":1e400,"points":1e400}' },
  { kind: 'raw', text: '{"title":"a","title":"\\u0000"}' },
  { kind: 'raw', text: '\ufeff{"title":"bom"}' },
  { kind: 'raw', text: `{"title":${DEEP}}` },
  { kind: 'raw', text: DEEP },
  { kind: 'raw', text: '['.repeat(100_000) },
  { kind: 'raw', text: '{"__proto__":{"admin":true},"title":"proto"}' },
  { kind: 'raw', text: '{"constructor":{"prototype":{"admin":true}}}' },
  { kind: 'raw', text: 'null' },
  { kind: 'raw', text: 'true' },
  { kind: 'raw', text: '0' },
  { kind: 'raw', text: '""' },
  { kind: 'raw', text: '   ' },
  { kind: 'raw', text: '{}', contentType: 'text/plain' },
  { kind: 'raw', text: 'title=x&name=y', contentType: 'application/x-www-form-urlencoded' },
  { kind: 'raw', text: '{"title":"x"}', contentType: 'application/json; charset=utf-16' },
  { kind: 'raw', text: '{"title":"x"}', contentType: 'application/merge-patch+json' },
  { kind: 'raw', text: '{"title":"x"}', contentType: 'application/json, text/html' },
  {
    kind: 'raw',
    text: [0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d],
  }, // invalid UTF-8
  {
    kind: 'raw',
    text: [0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d],
  }, // overlong NUL
  {
    kind: 'raw',
    text: [
      0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d,
    ],
  }, // CESU surrogate
  { kind: 'raw', text: [0x1f, 0x8b, 0x08, 0x00] },
];

/** A body for an endpoint: mostly its valid shape with edge values, often broken in one place. */
function bodyOf(shape: Field | null, { optional = false } = {}): fc.Arbitrary<Body> {
  const wrongTop = fc.constantFrom<unknown>([], ['x'], 'x', 42, null, true).map(json);
  if (!shape) {
    return fc.oneof(
      w(6, fc.constant(NONE)),
      w(2, fc.constant(json({}))),
      w(2, hostileValue.map(json)),
      w(1, fc.constantFrom(...RAW_BODIES)),
    );
  }
  return fc.oneof(
    w(10, shape.valid.map(json)),
    w(8, shape.invalid.map(json)),
    ...(optional ? [w(2, fc.constant(NONE))] : []),
    w(1, wrongTop),
    w(2, fc.constantFrom(...RAW_BODIES)),
  );
}

type Caller =
  | 'owner'
  | 'client'
  | 'stranger'
  | 'weird'
  | 'fresh'
  | 'freshNoEmail'
  | 'freshUnverified'
  | 'victimMember'
  | 'victimInvitee'
  | 'none'
  | 'badToken';

const callers = (...weighted: Array<[number, Caller]>): fc.Arbitrary<Caller> =>
  fc.oneof(
    ...weighted.map(([weight, c]) => w(weight, fc.constant(c))),
    w(1, fc.constantFrom<Caller>('stranger', 'weird', 'fresh', 'none', 'badToken')),
  );

/** A path segment: a fixture, at times upper case, another id, or hostile text (already URL-encoded). */
const HOSTILE_SEGMENTS = [
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AE',
  '%ED%A0%80',
  '.',
  '%2F',
  '%2e%2e%2f',
  'null',
  '0',
  '-1',
  '00000000-0000-0000-0000-000000000000',
  'a'.repeat(10_000),
  'a'.repeat(20_000),
  '%F0%9F%92%A5',
  '%20',
];
function seg(...names: string[]): fc.Arbitrary<Ref | string> {
  return fc.oneof(
    w(20, fc.constantFrom(...names.map((n) => ref(n)))),
    w(2, fc.constantFrom(...names.map((n) => new Ref(n, true)))),
    w(1, fc.uuid()),
    w(1, fc.constantFrom(...HOSTILE_SEGMENTS)),
    w(1, fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeURIComponent)),
  );
}

interface HeaderChoice {
  ifMatch?: string;
  idempotencyKey?: string;
  extra?: [string, string];
}
const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 1, none = 4) =>
  fc.oneof(w(none, fc.constant(undefined)), w(weight, arb));
const latin1Unit = fc
  .integer({ min: 0x21, max: 0xff })
  .filter((c) => c < 0x7f || c >= 0xa1)
  .map((c) => String.fromCharCode(c));
const headersArb: fc.Arbitrary<HeaderChoice> = fc.record({
  ifMatch: sometimes(
    fc.oneof(
      fc.integer({ min: 0, max: 60 }).map((n) => `"${n}"`),
      fc.constantFrom(
        'W/"3"',
        `"${'9'.repeat(400)}"`,
        '"-1"',
        '"1.5"',
        '*',
        '"abc"',
        '""',
        '"9007199254740991"',
        '"9007199254740992"',
        '"1", "2"',
        ' "3" ',
        '1',
        "'1'",
        'W/',
        `"${'1'.repeat(16)}"`,
        'é',
      ),
    ),
  ),
  idempotencyKey: sometimes(
    fc.oneof(
      fc.constantFrom('k1', 'k2', 'k3'),
      fc
        .string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 })
        .map((s) => s.replace(/[^\x21-\x7e]/g, '_')),
      fc.constantFrom('a'.repeat(200), 'a'.repeat(201), 'ä', 'key with spaces', 'tab\there', '%00'),
      fc.string({ unit: latin1Unit, minLength: 1, maxLength: 30 }),
    ),
  ),
  extra: sometimes(
    fc.constantFrom<[string, string]>(
      ['X-Junk', 'a'.repeat(20_000)],
      ['Content-Encoding', 'gzip'],
      ['traceparent', '00-zzzz-zz-01'],
      ['traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`],
      ['X-Forwarded-For', '1.1.1.1, ::1, "><script>'],
      ['Accept', 'text/html'],
      ['Origin', 'https://evil.example'],
    ),
    1,
    8,
  ),
});

interface Case {
  endpoint: string;
  caller: Caller;
  params: Array<Ref | string>;
  body: Body;
  headers: HeaderChoice;
}

interface Endpoint {
  name: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  path: (p: string[]) => string;
  /** The path segments, the caller and the body, generated together where they depend on each other. */
  arb: fc.Arbitrary<Pick<Case, 'params' | 'caller' | 'body'>>;
  /** Victims (fixtures a success uses up) to make anew after a 2xx. */
  consumes?: string[];
  /** Whether this success used the victims up (default: any 2xx). */
  usedUp?: (status: number, body: any) => boolean;
  /** Answers saying the victim is no longer what it was (a process over): made anew too. */
  staleOn?: number[];
}

const ep = (
  name: string,
  method: Endpoint['method'],
  path: Endpoint['path'],
  params: Array<fc.Arbitrary<Ref | string>>,
  caller: fc.Arbitrary<Caller>,
  body: fc.Arbitrary<Body>,
  more: Partial<Endpoint> = {},
): Endpoint => ({
  name,
  method,
  path,
  arb: fc.record({
    params: fc.tuple<Array<Ref | string>>(...params),
    caller,
    body,
  }),
  ...more,
});

// ---------------------------------------------------------------------------------------------
// The contracts' shapes, as a caller would fill them

const name100 = text(100);
const profileFields = {
  firstName: name100,
  lastName: name100,
  picture: https,
  locale: {
    valid: fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{0,35}$/),
      fc.constantFrom('', 'en', 'pt_BR', 'zh-Hant-TW', 'x'.repeat(35)),
    ),
    invalid: fc.oneof(
      fc.constantFrom('en US', 'x'.repeat(36), 'fr\u0000', 'ру', 'en;q=0.9', '../en'),
      hostileValue,
    ),
  },
};
const registration = object(
  {
    auth0Id: {
      valid: fc.constant(ref('callerSub')),
      invalid: fc.oneof(fc.constantFrom('auth0|someone-else', '', 'a'.repeat(257)), hostileValue),
    },
    email: {
      valid: fc.oneof(
        w(4, fc.constant(ref('callerEmail'))),
        w(1, fc.constant(new Ref('callerEmail', true))),
        w(1, email.valid),
      ),
      invalid: email.invalid,
    },
    emailVerified: bool,
    ...profileFields,
  },
  ['auth0Id', 'email', 'emailVerified', 'firstName', 'lastName', 'picture', 'locale'],
);

const projectName = text(120, { filled: true });
const title200 = text(200, { filled: true });
const description = text(10_000);
const strings = (max: number) => array(text(2048), { max });
const taskChanges = object(
  {
    title: title200,
    content: text(100_000),
    points: int(0, 1000),
    assignedTo: nullable(text(256)),
    attachments: strings(100),
    comments: strings(1000),
  },
  [],
  { minProperties: 1 },
);
const role = oneOf('administrator', 'editor', 'commenter', 'viewer');

const itemFields = (): Record<string, Field> => ({
  description: text(500, { filled: true }),
  quantity,
  unit: oneOf('hour', 'point', 'item'),
  unitPrice: int(0, 1e12),
});
const itemWithTask = object({ ...itemFields(), taskId: id('task') }, [
  'description',
  'quantity',
  'unit',
  'unitPrice',
]);
const draftFields = {
  title: title200,
  currency,
  taxRate: int(0, 10_000),
  discount: int(0, 1e12),
  depositPercent: int(1, 100),
  validUntil: day,
  notes: text(10_000),
  clientEmail: nullable({
    valid: fc.oneof(w(3, fc.constant(ref('clientEmail'))), w(1, email.valid)),
    invalid: email.invalid,
  }),
};
const draft = object(
  {
    ...draftFields,
    items: array(itemWithTask, { max: 500, typical: 3 }),
    supersedes: id('sentAny'),
    importTasks: object(
      { rate: int(0, 1e12), taskIds: array(id('task', 'moveTask'), { max: 500, typical: 3 }) },
      ['rate'],
    ),
  },
  ['title', 'currency', 'validUntil'],
);
const duration = (min: number): Field => ({
  valid: fc.oneof(
    fc.integer({ min, max: MAX_DURATION_MS }),
    fc.constantFrom(min, 60_000, 3_600_000, MAX_DURATION_MS),
  ),
  invalid: fc.oneof(
    fc.constantFrom(min - 1, MAX_DURATION_MS + 1, 1.5, -1, 9e15, 9e300),
    hostileValue,
  ),
});

// ---------------------------------------------------------------------------------------------
// Every write endpoint of the API

const ENDPOINTS: Endpoint[] = [
  // identity
  ep(
    'register',
    'POST',
    () => '/users',
    [],
    callers([6, 'fresh'], [3, 'freshNoEmail'], [2, 'freshUnverified'], [1, 'owner']),
    bodyOf(registration),
  ),
  ep(
    'modify me',
    'PATCH',
    () => '/users/me',
    [],
    callers([4, 'owner'], [2, 'client'], [1, 'weird'], [1, 'freshNoEmail']),
    bodyOf(object(profileFields, [], { minProperties: 1 })),
  ),

  // projects and boards
  ep(
    'create project',
    'POST',
    () => '/projects',
    [],
    callers([6, 'owner'], [1, 'client']),
    bodyOf(
      object({ name: projectName, teamId: nullable(id('team', 'otherTeam')), description }, [
        'name',
      ]),
    ),
  ),
  {
    name: 'modify project',
    method: 'PATCH',
    path: ([pid]) => `/projects/${pid}`,
    // The main board stays shared with the team (so the client keeps their access); the spare one may go anywhere.
    arb: fc.oneof(
      fc.record({
        params: fc.tuple(seg('project')),
        caller: callers([5, 'owner'], [2, 'client']),
        body: bodyOf(
          object(
            {
              name: projectName,
              description,
              active: bool,
              public: bool,
              teamId: id('team'),
              columnOrder: {
                valid: fc.nat().map((n) => ref('columnOrder', n)),
                invalid: array(oneOf('column-1'), { max: 100 }).invalid,
              },
            },
            [],
            { minProperties: 1 },
          ),
        ),
      }),
      fc.record({
        params: fc.tuple(seg('spareProject')),
        caller: callers([5, 'owner']),
        body: bodyOf(
          object(
            { name: projectName, teamId: nullable(id('team', 'otherTeam', 'spareTeam')) },
            [],
            { minProperties: 1 },
          ),
        ),
      }),
    ),
  },
  ep(
    'delete project',
    'DELETE',
    ([pid]) => `/projects/${pid}`,
    [seg('victimProject', 'otherProject')],
    callers([6, 'owner'], [1, 'client']),
    bodyOf(null),
    { consumes: ['victimProject'] },
  ),
  ep(
    'add column',
    'POST',
    ([pid]) => `/projects/${pid}/columns`,
    [seg('project', 'otherProject')],
    callers([5, 'owner'], [2, 'client']),
    bodyOf(object({ title: title200 }, ['title'])),
  ),
  ep(
    'modify column',
    'PATCH',
    ([cid]) => `/projects/columns/${cid}`,
    [seg('col1', 'col2', 'victimColumn', 'otherColumn')],
    callers([5, 'owner'], [2, 'client']),
    bodyOf(object({ title: title200 }, ['title'])),
  ),
  ep(
    'delete column',
    'DELETE',
    ([cid]) => `/projects/columns/${cid}`,
    [seg('victimColumn', 'victimColumn', 'col1', 'otherColumn')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(null),
    { consumes: ['victimColumn'] },
  ),
  ep(
    'add task',
    'POST',
    ([pid, cid]) => `/projects/${pid}/columns/${cid}/tasks`,
    [seg('project'), seg('col1', 'col2', 'col3', 'otherColumn')],
    callers([5, 'owner'], [2, 'client']),
    bodyOf(object({ title: title200 }, ['title'])),
  ),
  ep(
    'modify task',
    'PATCH',
    ([tid]) => `/projects/tasks/${tid}`,
    [seg('task', 'moveTask')],
    callers([5, 'owner'], [2, 'client']),
    bodyOf(taskChanges),
  ),
  ep(
    'move task',
    'PATCH',
    ([tid]) => `/projects/tasks/${tid}/move`,
    [seg('moveTask')],
    callers([5, 'owner'], [2, 'client']),
    bodyOf({
      valid: fc.tuple(fc.nat(), fc.nat()).map(([to, at]) => ref('validMove', to, at)),
      invalid: fc.oneof(
        fc
          .tuple(
            fc.nat(),
            fc.nat(),
            fc.constantFrom('from', 'to', 'taskIds'),
            fc.oneof(
              hostileValue,
              fc.constant(ref('col4')),
              fc.constant([ref('moveTask'), ref('moveTask')]),
              fc.constant([]),
              fc.constant(ref('otherColumn')),
            ),
          )
          .map(([to, at, k, v]) => new Mutated(ref('validMove', to, at), k, v)),
        fc
          .tuple(fc.nat(), fc.nat(), fc.constantFrom(...SNEAKY_KEYS))
          .map(([to, at, k]) => new Mutated(ref('validMove', to, at), k, 'x')),
        hostileValue,
      ),
    }),
  ),
  ep(
    'delete task',
    'DELETE',
    ([cid, tid]) => `/projects/columns/${cid}/tasks/${tid}`,
    [seg('victimTaskColumn', 'col4'), seg('victimTask')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(null),
    { consumes: ['victimTask'] },
  ),

  // teams
  ep(
    'create team',
    'POST',
    () => '/users/teams',
    [],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(
      object({ name: projectName, projectId: nullable(id('spareProject', 'otherProject')) }, [
        'name',
      ]),
    ),
  ),
  ep(
    'share project',
    'POST',
    ([tid, pid]) => `/users/teams/${tid}/project/${pid}`,
    [seg('team', 'spareTeam'), seg('spareProject', 'project', 'otherProject')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(null),
  ),
  ep(
    'leave team',
    'POST',
    ([tid]) => `/users/teams/${tid}/leave`,
    [seg('victimTeam')],
    callers([5, 'victimMember'], [2, 'owner']),
    bodyOf(null),
    { consumes: ['victimTeam'] },
  ),
  {
    name: 'change role',
    method: 'PATCH',
    path: ([tid, uid]) => `/users/teams/${tid}/members/${uid}`,
    // On the main team only the client's role changes: the owner must stay its administrator.
    arb: fc.oneof(
      fc.record({
        params: fc.tuple(seg('victimTeam'), seg('victimMemberUser', 'ownerUser', 'strangerUser')),
        caller: callers([5, 'owner'], [1, 'victimMember']),
        body: bodyOf(object({ role }, ['role'])),
      }),
      fc.record({
        params: fc.tuple(seg('team'), seg('clientUser')),
        caller: callers([5, 'owner'], [1, 'client']),
        body: bodyOf(object({ role }, ['role'])),
      }),
    ),
  },
  ep(
    'remove member',
    'DELETE',
    ([tid, uid]) => `/users/teams/${tid}/members/${uid}`,
    [seg('victimTeam'), seg('victimMemberUser', 'victimMemberUser', 'ownerUser', 'strangerUser')],
    callers([5, 'owner'], [1, 'victimMember']),
    bodyOf(null),
    {
      consumes: ['victimTeam'],
    },
  ),
  ep(
    'invite',
    'POST',
    ([tid]) => `/users/teams/${tid}/invites`,
    [seg('team', 'otherTeam')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(object({ emailList: array(email, { min: 1, max: 50, typical: 3 }) }, ['emailList'])),
  ),
  ep(
    'answer invite',
    'PATCH',
    ([tid, iid]) => `/users/teams/${tid}/invites/${iid}`,
    [seg('team'), seg('victimInvite')],
    callers([6, 'victimInvitee'], [1, 'client']),
    bodyOf(object({ accepted: bool }, ['accepted'])),
    {
      consumes: ['victimInvite'],
    },
  ),

  // estimates
  ep(
    'draft estimate',
    'POST',
    ([pid]) => `/projects/${pid}/estimates`,
    [seg('project', 'otherProject')],
    callers([5, 'owner'], [2, 'client']),
    bodyOf(draft),
  ),
  ep(
    'modify estimate',
    'PATCH',
    ([eid]) => `/estimates/${eid}`,
    [seg('draft', 'sentAny')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(object(draftFields, [], { minProperties: 1 })),
  ),
  ep(
    'add items',
    'POST',
    ([eid]) => `/estimates/${eid}/items`,
    [seg('draft')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(object({ items: array(itemWithTask, { min: 1, max: 500, typical: 3 }) }, ['items'])),
  ),
  ep(
    'modify item',
    'PATCH',
    ([eid, iid]) => `/estimates/${eid}/items/${iid}`,
    [seg('draft'), seg('item', 'victimItem')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(object(itemFields(), [], { minProperties: 1 })),
  ),
  ep(
    'remove item',
    'DELETE',
    ([eid, iid]) => `/estimates/${eid}/items/${iid}`,
    [seg('draft'), seg('victimItem')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(null),
    { consumes: ['victimItem'] },
  ),
  ep(
    'send estimate',
    'POST',
    ([eid]) => `/estimates/${eid}/send`,
    [seg('victimDraft', 'lastDraft')],
    callers([5, 'owner'], [1, 'client']),
    bodyOf(
      object({
        clientEmail: {
          valid: fc.oneof(fc.constant(ref('clientEmail')), email.valid),
          invalid: email.invalid,
        },
        expiresInMs: duration(1000),
        reminderBeforeMs: duration(0),
      }),
      { optional: true },
    ),
    { consumes: ['victimDraft', 'lastDraft'], staleOn: [409] },
  ),
  ep(
    'approve estimate',
    'POST',
    ([eid]) => `/estimates/${eid}/approve`,
    [seg('victimSent', 'lastSent')],
    callers([6, 'client'], [1, 'owner']),
    bodyOf(null),
    { consumes: ['victimSent', 'lastSent'], staleOn: [409] },
  ),
  ep(
    'reject estimate',
    'POST',
    ([eid]) => `/estimates/${eid}/reject`,
    [seg('victimSent', 'lastSent')],
    callers([6, 'client'], [1, 'owner']),
    bodyOf(object({ reason: text(2000, { filled: true }) }, ['reason'])),
    { consumes: ['victimSent', 'lastSent'], staleOn: [409] },
  ),
  ep(
    'withdraw estimate',
    'POST',
    ([eid]) => `/estimates/${eid}/withdraw`,
    [seg('victimSent', 'lastSent')],
    callers([6, 'owner'], [1, 'client']),
    bodyOf(null),
    { consumes: ['victimSent', 'lastSent'], staleOn: [409] },
  ),

  // invoices and payments
  ep(
    'record payment',
    'POST',
    ([iid]) => `/invoices/${iid}/payments`,
    [seg('victimInvoice', 'lastInvoice')],
    callers([6, 'owner'], [1, 'client']),
    bodyOf(
      object(
        {
          amount: {
            valid: fc.oneof(
              w(3, fc.constant(ref('invoiceDue'))),
              w(2, fc.integer({ min: 1, max: 100_000 })),
              w(1, fc.constant(1e12)),
            ),
            invalid: int(1, 1e12).invalid,
          },
          reference: text(200, { filled: true }),
        },
        ['amount', 'reference'],
      ),
    ),
    {
      consumes: ['victimInvoice', 'lastInvoice'],
      usedUp: (status, body) => status === 202 || body?.amountDue === 0,
      staleOn: [409],
    },
  ),
  ep(
    'cancel invoice',
    'POST',
    ([iid]) => `/invoices/${iid}/cancel`,
    [seg('victimInvoice', 'lastInvoice')],
    callers([6, 'owner'], [1, 'client']),
    bodyOf(object({ reason: text(2000, { filled: true }) }, ['reason'])),
    { consumes: ['victimInvoice', 'lastInvoice'], staleOn: [409] },
  ),
  ep(
    'checkout',
    'POST',
    ([iid]) => `/invoices/${iid}/checkout`,
    [seg('victimInvoice', 'lastInvoice')],
    callers([6, 'client'], [1, 'owner']),
    bodyOf(null),
    { consumes: ['victimInvoice', 'lastInvoice'], staleOn: [409] },
  ),
  ep(
    'stripe webhook',
    'POST',
    () => '/payments/webhooks/stripe',
    [],
    fc.constant<Caller>('none'),
    fc.oneof(
      w(3, bodyOf(null)),
      w(
        4,
        fc
          .record({
            signature: fc.constantFrom<'valid' | 'stale' | 'garbage'>(
              'valid',
              'valid',
              'stale',
              'garbage',
            ),
            event: fc.record({
              type: fc.constantFrom(
                'payment_intent.succeeded',
                'payment_intent.payment_failed',
                'payment_intent.created',
                'charge.refunded',
                '',
              ),
              paymentIntentId: fc.oneof(
                fc.constantFrom('pi_123', '', 'pi_\u202e'),
                text(300).valid,
              ),
              amount: fc.oneof(
                fc.integer({ min: 1, max: 100_000 }),
                fc.constantFrom(0, -5, 1.5, 1e12 + 1, 9e15, 9e300),
              ),
              currency: fc.constantFrom('eur', 'usd', 'EUR', 'xxx', ''),
              invoiceId: fc.oneof(
                fc.constant(ref('victimInvoice')),
                fc.constant(new Ref('victimInvoice', true)),
                fc.uuid(),
                fc.constantFrom('inv-42', '', null, '../x', 'a'.repeat(300)),
              ),
              failureMessage: fc.oneof(
                fc.constant(undefined),
                text(3000).valid,
                fc.constantFrom(...NASTY_STORABLE),
              ),
              eventId: fc.oneof(
                fc.constant(undefined),
                fc.constantFrom('evt_1', '', 'e'.repeat(300)),
              ),
            }),
          })
          .map(({ signature, event }): Body => ({ kind: 'stripe', signature, event })),
      ),
    ),
  ),
];

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(fc.constantFrom(...ENDPOINTS), headersArb)
  .chain(([endpoint, headers]) =>
    endpoint.arb.map((c) => ({ endpoint: endpoint.name, headers, ...c })),
  );

// ---------------------------------------------------------------------------------------------
// The system, its fixtures, and what the requests met

let sys: TestSystem;
let smtp: TestSmtp;
let port: number;

interface Person {
  sub: string;
  email: string;
  token: string;
  userId: string;
}

interface Answer {
  status: number;
  body: any;
  contentType: string | null;
  headers: Headers;
}

/** Where a case's path is served: under the API's prefix, unless it names another place. */
const served = (path: string) =>
  path.startsWith('/api') || path.startsWith('/readyz') ? path : `/api/v1${path}`;

/** One request, as the frontend or anyone else would make it; never throws for what the server did. */
async function request(
  method: string,
  path: string,
  opts: { token?: string; body?: Body; headers?: Record<string, string> } = {},
): Promise<Answer | { dropped: string }> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let payload: string | Uint8Array | undefined;
  const body = opts.body ?? NONE;
  if (body.kind === 'json') {
    payload = JSON.stringify(body.value);
    headers['Content-Type'] ??= body.contentType ?? 'application/json';
  } else if (body.kind === 'raw') {
    payload = typeof body.text === 'string' ? body.text : Uint8Array.from(body.text);
    headers['Content-Type'] ??= body.contentType ?? 'application/json';
  }
  try {
    const res = await fetch(`http://127.0.0.1:${port}${served(path)}`, {
      method,
      headers,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* judged below: an error must be JSON */
    }
    return {
      status: res.status,
      body: parsed,
      contentType: res.headers.get('content-type'),
      headers: res.headers,
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return {
      dropped: `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code ?? ''} ${e.cause.message ?? ''})` : ''}`,
    };
  }
}

/** A setup call that must work: fixtures are made as a real user would, and a failure here is loud. */
async function must(
  who: Person,
  method: string,
  path: string,
  body?: unknown,
  expected: number[] = [200, 201],
): Promise<any> {
  const res = await request(method, path, {
    token: who.token,
    body: body === undefined ? NONE : json(body),
  });
  if ('dropped' in res || !expected.includes(res.status))
    throw new Error(`fixture ${method} ${path} failed: ${JSON.stringify(res).slice(0, 500)}`);
  return res.body;
}

async function registered(
  name: string,
  email = `${name}-${uniq()}@example.com`,
  sub = `auth0|${name}-${uniq()}`,
): Promise<Person> {
  const token = sys.issuer.token(sub, { email, email_verified: true });
  const person = { sub, email, token, userId: nameId('user', sub) };
  await must(person, 'POST', '/users', profile(sub, email), [201]);
  return person;
}

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

interface Fixtures {
  owner: Person;
  client: Person;
  stranger: Person;
  weird: Person;
  ids: Record<string, string>;
}
let fx: Fixtures;

/** Fixtures a successful request uses up (a deleted task, a decided estimate), made anew when needed. */
const victims = new Map<string, any>();
const VICTIMS: Record<string, () => Promise<any>> = {
  async victimProject() {
    return (await must(fx.owner, 'POST', '/projects', { name: 'Victim' })).id;
  },
  async victimColumn() {
    return (
      await must(fx.owner, 'POST', `/projects/${fx.ids.project}/columns`, { title: 'Victim' })
    ).id;
  },
  async victimTask() {
    const task = await must(
      fx.owner,
      'POST',
      `/projects/${fx.ids.project}/columns/${fx.ids.col4}/tasks`,
      { title: 'Victim' },
    );
    return { id: task.id, columnId: task.columnId };
  },
  async victimTeam() {
    const team = await must(fx.owner, 'POST', '/users/teams', { name: 'Victim team' });
    const member = await registered('member');
    await must(fx.owner, 'POST', `/users/teams/${team.id}/invites`, { emailList: [member.email] });
    const invite = (await must(member, 'GET', '/users/teams/invites')).find(
      (i: any) => i.teamId === team.id,
    );
    await must(member, 'PATCH', `/users/teams/${team.id}/invites/${invite.id}`, { accepted: true });
    return { id: team.id, member };
  },
  async victimInvite() {
    const invitee = await registered('invitee');
    const [invite] = await must(fx.owner, 'POST', `/users/teams/${fx.ids.team}/invites`, {
      emailList: [invitee.email],
    });
    return { id: invite.id, invitee };
  },
  async victimDraft() {
    const items = [{ description: 'Work', quantity: '2', unit: 'hour', unitPrice: 5000 }];
    return (
      await must(fx.owner, 'POST', `/projects/${fx.ids.project}/estimates`, {
        title: 'Victim',
        currency: 'EUR',
        validUntil: inDays(30),
        clientEmail: fx.client.email,
        items,
      })
    ).id;
  },
  async victimItem() {
    const e = await must(fx.owner, 'POST', `/estimates/${fx.ids.draft}/items`, {
      items: [{ description: 'Victim', quantity: '1', unit: 'item', unitPrice: 100 }],
    });
    return e.items[e.items.length - 1].id;
  },
  async victimSent() {
    const id = await flows(sys).sentEstimate(
      asFlowPerson(fx.owner),
      asFlowPerson(fx.client),
      fx.ids.project!,
      { expiresInMs: 3_600_000, reminderBeforeMs: 0 },
    );
    fx.ids.sentAny = id;
    return id;
  },
  async victimInvoice() {
    const { invoice } = await flows(sys).approvedInvoice(
      asFlowPerson(fx.owner),
      asFlowPerson(fx.client),
      fx.ids.project!,
    );
    return invoice.id;
  },
};

const asFlowPerson = (p: Person) => ({
  sub: p.sub,
  email: p.email,
  token: p.token,
  call: (method: string, path: string, body?: unknown) =>
    sys.api().call(method, path, { token: p.token, body }),
});

async function victim(name: string): Promise<any> {
  if (!victims.has(name)) victims.set(name, await VICTIMS[name]!());
  return victims.get(name);
}

/** Makes a victim anew the next time a case names it. */
function forget(name: string): void {
  victims.delete(name);
  if (name === 'lastDraft') delete fx.ids.lastDraft;
  if (name === 'lastSent') delete fx.ids.lastSent;
  if (name === 'lastInvoice') delete fx.ids.lastApproved;
}

/** What one case's references mean now: the caller, and the fixtures it names. */
class Scope {
  constructor(readonly caller: Person | null) {}

  async id(r: Ref): Promise<unknown> {
    const v = await this.value(r);
    return r.upper && typeof v === 'string' ? v.toUpperCase() : v;
  }

  private async value(r: Ref): Promise<unknown> {
    switch (r.name) {
      case 'callerSub':
        return this.caller?.sub ?? 'auth0|nobody';
      case 'callerEmail':
        return this.caller?.email ?? 'nobody@example.com';
      case 'freshEmail':
        return `fresh-${uniq()}@example.com`;
      case 'clientEmail':
        return fx.client.email;
      case 'ownerUser':
        return fx.owner.userId;
      case 'clientUser':
        return fx.client.userId;
      case 'strangerUser':
        return fx.stranger.userId;
      case 'victimTaskColumn':
        return (await victim('victimTask')).columnId;
      case 'victimTask':
      case 'victimTeam':
      case 'victimInvite':
        return (await victim(r.name)).id;
      case 'victimMemberUser':
        return (await victim('victimTeam')).member.userId;
      case 'validMove': {
        const board = await must(fx.owner, 'GET', `/projects/${fx.ids.project}/board`);
        const task = board.tasks.find((t: any) => t.id === fx.ids.moveTask);
        if (!task) return { from: fx.ids.col1, to: fx.ids.col2, taskIds: [fx.ids.moveTask] };
        const to = board.columns[r.arg[0]! % board.columns.length];
        const rest: string[] = to.taskIds.filter((t: string) => t !== task.id);
        const at = r.arg[1]! % (rest.length + 1);
        return {
          from: task.columnId,
          to: to.id,
          taskIds: [...rest.slice(0, at), task.id, ...rest.slice(at)],
        };
      }
      case 'columnOrder': {
        const order: string[] = (await must(fx.owner, 'GET', `/projects/${fx.ids.project}`))
          .columnOrder;
        let seed = r.arg[0]!;
        const out = [...order];
        for (let i = out.length - 1; i > 0; i--) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const j = seed % (i + 1);
          [out[i], out[j]] = [out[j]!, out[i]!];
        }
        return out;
      }
      case 'invoiceDue':
        return (await must(fx.owner, 'GET', `/invoices/${await victim('victimInvoice')}`))
          .amountDue;
      // What the fuzzer itself drafted, sent and had approved, with whatever amounts and
      // addresses it chose: the processes get hostile values too, not only the fixtures' own.
      case 'lastDraft':
        return fx.ids.lastDraft ?? victim('victimDraft');
      case 'lastSent':
        return fx.ids.lastSent ?? victim('victimSent');
      case 'lastInvoice': {
        const approved = fx.ids.lastApproved;
        if (!approved) return victim('victimInvoice');
        const invoices = await eventually(
          async () => {
            const list = (await must(
              fx.owner,
              'GET',
              `/projects/${fx.ids.project}/invoices`,
            )) as Array<{ id: string; estimateId: string }>;
            return list.some((i) => i.estimateId === approved) ? list : null;
          },
          10_000,
          `the invoice of estimate ${approved}`,
        ).catch(() => null);
        const found = invoices?.find((i) => i.estimateId === approved)?.id;
        if (found) return found;
        // No invoice (a deposit of nothing, or a process that failed: the checks after the runs
        // tell which); the fixture's invoice stands in, without waiting again.
        delete fx.ids.lastApproved;
        return victim('victimInvoice');
      }
      default:
        if (r.name in VICTIMS) return victim(r.name);
        if (r.name in fx.ids) return fx.ids[r.name];
        throw new Error(`no fixture ${r.name}`);
    }
  }

  async resolve(v: unknown): Promise<unknown> {
    if (v instanceof Ref) return this.id(v);
    if (v instanceof Mutated) {
      const base = await this.resolve(v.base);
      if (!base || typeof base !== 'object' || Array.isArray(base)) return base;
      if (v.drop) {
        const { [v.key]: _, ...out } = base as Record<string, unknown>;
        return out;
      }
      const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
      out[v.key] = await this.resolve(v.value);
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const x of v) out.push(await this.resolve(x));
      return out;
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await this.resolve(x);
      return out;
    }
    return v;
  }
}

const BAD_TOKENS = () => [
  '',
  'x.y.z',
  sys.issuer.token(`auth0|expired-${uniq()}`, {}, { expiresIn: -10 }),
  sys.issuer.token(`auth0|${'x'.repeat(300)}`, { email: 'long@example.com', email_verified: true }),
  sys.issuer.token('auth0|nul\u0000sub', { email: 'nul@example.com', email_verified: true }),
  sys.issuer.token('auth0|lone\ud800', { email: 'lone@example.com', email_verified: true }),
  sys.issuer.token(`auth0|claims-${uniq()}`, { email: 'Not An Email', email_verified: 'yes' }),
  sys.issuer.token(`auth0|claims-${uniq()}`, { email: ['a@b.co'], email_verified: true }),
];

let badTokenTurn = 0;

async function callerOf(
  c: Caller,
  endpointName: string,
): Promise<{ person: Person | null; token?: string }> {
  const fresh = (claims: Record<string, unknown>) => {
    const sub = `auth0|fuzz-${uniq()}`;
    const mail = `fuzz-${uniq()}@example.com`;
    return {
      person: {
        sub,
        email: mail,
        token: sys.issuer.token(sub, claims.email === null ? {} : { email: mail, ...claims }),
        userId: nameId('user', sub),
      },
    };
  };
  switch (c) {
    case 'owner':
    case 'client':
    case 'stranger':
    case 'weird':
      return { person: fx[c] };
    case 'fresh':
      return fresh({ email_verified: true });
    case 'freshNoEmail':
      return fresh({ email: null });
    case 'freshUnverified':
      return fresh({ email_verified: false });
    case 'victimMember':
      return {
        person:
          endpointName === 'leave team' ||
          endpointName === 'remove member' ||
          endpointName === 'change role'
            ? (await victim('victimTeam')).member
            : fx.stranger,
      };
    case 'victimInvitee':
      return { person: (await victim('victimInvite')).invitee };
    case 'none':
      return { person: null };
    case 'badToken': {
      const tokens = BAD_TOKENS();
      // In turn rather than at random: a seed replays the same requests.
      return { person: null, token: tokens[badTokenTurn++ % tokens.length] };
    }
  }
}

interface Violation {
  endpoint: string;
  problem: string;
  request: string;
  answer: string;
}
const violations: Violation[] = [];
const statuses = new Map<string, Map<number, number>>();
const pendingCommands: Array<{ id: string; token: string }> = [];

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** What is wrong with an answer, if anything. */
function judge(res: Answer | { dropped: string }): string | null {
  if ('dropped' in res) return `no answer: ${res.dropped}`;
  if (res.status >= 500) return `answered ${res.status}`;
  if (res.status < 200 || (res.status >= 300 && res.status < 400)) return `answered ${res.status}`;
  if (res.status >= 400) {
    if (!res.body || typeof res.body !== 'object' || typeof res.body.error !== 'string')
      return `a ${res.status} without a JSON {error}`;
    if (!/application\/json/.test(res.contentType ?? ''))
      return `a ${res.status} as ${res.contentType}`;
  }
  if (
    res.status === 202 &&
    (!res.body || res.body.status !== 'pending' || typeof res.body.commandId !== 'string') &&
    typeof res.body?.id !== 'string'
  ) {
    return 'a 202 that is neither pending nor the resource';
  }
  return null;
}

/** Callers with no part in the fixtures: they may change only what they made themselves. */
const OUTSIDERS = new Set<Caller>([
  'stranger',
  'weird',
  'fresh',
  'freshNoEmail',
  'freshUnverified',
  'none',
  'badToken',
]);
const STRANGERS_OWN = new Set(['otherProject', 'otherColumn', 'otherTeam', 'strangerUser']);
/** Fields that point at another aggregate: naming someone else's there is acting on it. */
const POINTING = new Set(['teamId', 'projectId', 'supersedes']);

/** The fixtures a case acts on: its path, and the ids its body points at. */
function referenced(c: Case): string[] {
  const names = c.params.filter((p): p is Ref => p instanceof Ref).map((r) => r.name);
  const visit = (v: unknown, key: string | null): void => {
    if (v instanceof Ref) {
      if (key !== null && POINTING.has(key)) names.push(v.name);
    } else if (v instanceof Mutated) {
      visit(v.base, key);
      if (!v.drop) visit(v.value, v.key);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  if (c.body.kind === 'json') visit(c.body.value, null);
  return [...new Set(names)];
}

async function teamIds(who: Person): Promise<string[]> {
  const res = await request('GET', '/users/teams', { token: who.token });
  return 'dropped' in res || res.status !== 200
    ? []
    : (res.body as Array<{ id: string }>).map((t) => t.id).sort();
}

/** The slowest requests, to tell a hang or a slow path from a slow machine. */
const slowest: Array<{ ms: number; what: string }> = [];

async function perform(c: Case): Promise<void> {
  const started = Date.now();
  lastStatus = 0;
  try {
    await attempt(c);
  } catch (err) {
    if (SHRINK) throw err;
    // A fixture a real user could make and could not: as much a finding as a bad answer.
    violations.push({
      endpoint: c.endpoint,
      problem: 'the request could not be prepared',
      request: fc.stringify(c).slice(0, 400),
      answer: clip((err as Error).message),
    });
  } finally {
    slowest.push({
      ms: Date.now() - started,
      what: `${c.endpoint} by ${c.caller} → ${lastStatus || 'no answer'}`,
    });
    slowest.sort((a, b) => b.ms - a.ms).splice(8);
  }
}
let lastStatus = 0;

async function attempt(c: Case): Promise<void> {
  const endpoint = ENDPOINTS.find((e) => e.name === c.endpoint)!;
  const { person, token } = await callerOf(c.caller, c.endpoint);
  const scope = new Scope(person);
  const params: string[] = [];
  for (const p of c.params)
    params.push(p instanceof Ref ? encodeURIComponent(String(await scope.id(p))) : p);
  const path = endpoint.path(params);
  let body: Body = c.body;
  const headers: Record<string, string> = {};
  if (body.kind === 'json') body = { ...body, value: await scope.resolve(body.value) };
  if (body.kind === 'stripe') {
    const event = (await scope.resolve(body.event)) as Record<string, any>;
    const payload = stripeEventPayload({
      ...event,
      type: event.type,
      paymentIntentId: event.paymentIntentId,
      amount: event.amount,
      currency: event.currency,
    });
    const secret = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_test_devpie';
    headers['Stripe-Signature'] =
      body.signature === 'valid'
        ? stripeSignature(payload, secret)
        : body.signature === 'stale'
          ? stripeSignature(payload, secret, Math.floor(Date.now() / 1000) - 3600)
          : `t=1,v1=${'0'.repeat(64)}`;
    body = { kind: 'raw', text: payload };
  }
  if (c.headers.ifMatch !== undefined) headers['If-Match'] = c.headers.ifMatch;
  if (c.headers.idempotencyKey !== undefined) headers['Idempotency-Key'] = c.headers.idempotencyKey;
  if (c.headers.extra) headers[c.headers.extra[0]] = c.headers.extra[1];
  const authToken = token ?? person?.token;
  // The one route that sends two commands (create the team, then share the board) must not
  // leave the first behind when it answers with an error.
  const teamsBefore = endpoint.name === 'create team' && person ? await teamIds(person) : null;
  const res = await request(endpoint.method, path, { token: authToken, body, headers });

  const status = 'dropped' in res ? 0 : res.status;
  lastStatus = status;
  const counts = statuses.get(endpoint.name) ?? new Map<number, number>();
  counts.set(status, (counts.get(status) ?? 0) + 1);
  statuses.set(endpoint.name, counts);

  let problem = judge(res);
  // Garbage in still gets an answer the document describes: a documented status, a body as said.
  if (!problem && !('dropped' in res))
    problem = conformanceProblem({
      method: endpoint.method,
      path: served(path),
      status: res.status,
      headers: res.headers,
      body: res.body,
    });
  if (!problem && status >= 200 && status < 300 && OUTSIDERS.has(c.caller)) {
    const theirs = c.caller === 'stranger' ? STRANGERS_OWN : new Set<string>();
    const touched = referenced(c).filter((r) => !theirs.has(r));
    if (touched.length > 0)
      problem = `an outsider (${c.caller}) succeeded on ${touched.join(', ')}, which are not theirs`;
  }
  if (!problem && teamsBefore && status >= 400) {
    const after = await teamIds(person!);
    if (after.length !== teamsBefore.length) problem = `answered ${status} yet created a team`;
  }
  if (problem) {
    const shown =
      body.kind === 'json'
        ? (JSON.stringify(body.value) ?? 'undefined')
        : body.kind === 'raw'
          ? typeof body.text === 'string'
            ? body.text
            : `bytes ${body.text.join(' ')}`
          : '';
    const violation = {
      endpoint: endpoint.name,
      problem,
      request: `${c.caller} ${endpoint.method} ${clip(path, 200)} ${JSON.stringify(headers).slice(0, 300)} ${clip(shown)}`,
      answer: 'dropped' in res ? res.dropped : clip(`${res.status} ${JSON.stringify(res.body)}`),
    };
    violations.push(violation);
    if (SHRINK)
      throw new Error(`${violation.problem}\n${violation.request}\n→ ${violation.answer}`);
    if ('dropped' in res || res.status >= 300) return;
  }
  const answer = res as Answer;
  if (answer.status === 202 && answer.body?.status === 'pending' && authToken)
    pendingCommands.push({ id: answer.body.commandId, token: authToken });
  const used = new Set(c.params.filter((p): p is Ref => p instanceof Ref).map((r) => r.name));
  const usedUp =
    answer.status < 300
      ? (endpoint.usedUp ?? (() => true))(answer.status, answer.body)
      : (endpoint.staleOn ?? []).includes(answer.status);
  if (endpoint.consumes && usedUp) for (const v of endpoint.consumes) if (used.has(v)) forget(v);
  if (answer.status >= 300) return;
  const made = typeof answer.body?.id === 'string' ? (answer.body.id as string) : null;
  if (made && endpoint.name === 'draft estimate' && answer.status === 201) fx.ids.lastDraft = made;
  if (made && endpoint.name === 'send estimate') fx.ids.lastSent = made;
  if (made && endpoint.name === 'approve estimate') fx.ids.lastApproved = made;
}

// ---------------------------------------------------------------------------------------------
// The views against the log

let log: LogSession;

/** Every event of a category, by stream, in order, as the log holds them. */
async function eventsByStream(
  category: string,
): Promise<{ streams: Map<string, EventEnvelope[]>; unreadable: string[] }> {
  const streams = new Map<string, EventEnvelope[]>();
  const unreadable: string[] = [];
  const bodies: Array<{ position: number; body: string }> = [];
  await log.read(category, 'event', 1, (d) => bodies.push({ position: d.position, body: d.body }));
  for (const { position, body } of bodies) {
    const decoded = decodeEntry(category, position, body);
    if (!decoded.ok) {
      unreadable.push(`${position}: ${decoded.error}`);
      continue;
    }
    if (decoded.value.kind !== 'events') continue;
    for (const e of decoded.value.events)
      streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
  }
  return { streams, unreadable };
}

/** Rows keyed by id, with uuids as Postgres prints them and timestamps as instants. */
function keyed(rows: Array<Record<string, unknown>>): Map<string, string> {
  const norm = (v: unknown): unknown =>
    v instanceof Date
      ? v.toISOString()
      : typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v)
        ? v.toLowerCase()
        : Array.isArray(v)
          ? v.map(norm)
          : v;
  return new Map(
    rows.map((r) => [
      String(r.id).toLowerCase(),
      JSON.stringify(
        Object.fromEntries(
          Object.keys(r)
            .sort()
            .map((k) => [k, norm(r[k])]),
        ),
      ),
    ]),
  );
}

function differences(
  table: string,
  expected: Array<Record<string, unknown>>,
  actual: Array<Record<string, unknown>>,
): string[] {
  const e = keyed(expected);
  const a = keyed(actual);
  const out: string[] = [];
  for (const [k, v] of e)
    if (a.get(k) !== v)
      out.push(`${table} ${k}: fold ${clip(v, 300)} view ${clip(a.get(k) ?? 'missing', 300)}`);
  for (const [k, v] of a)
    if (!e.has(k)) out.push(`${table} ${k}: view has ${clip(v, 300)}, the fold nothing`);
  return out;
}

/** The board views against the board decider's own fold of the project events. */
async function boardsAgainstFold(): Promise<string[]> {
  const { streams, unreadable } = await eventsByStream('project');
  const projects: Array<Record<string, unknown>> = [];
  const columns: Array<Record<string, unknown>> = [];
  const tasks: Array<Record<string, unknown>> = [];
  for (const events of streams.values()) {
    const board: Board = events.reduce(
      (b, e) => boardDecider.evolve(b, e as unknown as ProjectEvent),
      boardDecider.initialState(),
    );
    if (!board.exists || board.destroyed) continue;
    projects.push({
      id: board.id,
      owner_id: board.ownerId,
      user_id: board.userId,
      team_id: board.teamId,
      name: board.name,
      prefix: board.prefix,
      description: board.description,
      active: board.active,
      public: board.public,
      column_order: board.columnOrder,
      version: events[events.length - 1]!.version,
    });
    for (const c of Object.values(board.columns))
      columns.push({
        id: c.id,
        project_id: board.id,
        column_name: c.columnName,
        title: c.title,
        task_ids: c.taskIds,
      });
    for (const t of Object.values(board.tasks)) {
      tasks.push({
        id: t.id,
        project_id: board.id,
        column_id: t.columnId,
        seq: t.seq,
        key: t.key,
        title: t.title,
        content: t.content,
        points: t.points,
        assigned_to: t.assignedTo,
        attachments: t.attachments,
        comments: t.comments,
      });
    }
  }
  const q = async (sql: string) => (await sys.db.pool.query(sql)).rows;
  return [
    ...unreadable.map((u) => `project entry ${u}`),
    ...differences(
      'projects',
      projects,
      await q(
        'SELECT id, owner_id, user_id, team_id, name, prefix, description, active, public, column_order, version FROM projects.projects',
      ),
    ),
    ...differences(
      'columns',
      columns,
      await q('SELECT id, project_id, column_name, title, task_ids FROM projects.columns'),
    ),
    ...differences(
      'tasks',
      tasks,
      await q(
        'SELECT id, project_id, column_id, seq, key, title, content, points, assigned_to, attachments, comments FROM projects.tasks',
      ),
    ),
  ];
}

/** The users view against the user decider's fold of the identity events. */
async function usersAgainstFold(): Promise<string[]> {
  const { streams, unreadable } = await eventsByStream('user');
  const users: Array<Record<string, unknown>> = [];
  for (const events of streams.values()) {
    const state: UserState = events.reduce(
      (s, e) => userDecider.evolve(s, e as unknown as IdentityEvent),
      userDecider.initialState(),
    );
    if (!state.registered) continue;
    const u = state.user;
    users.push({
      id: u.id,
      auth0_id: u.auth0Id,
      email: u.email,
      email_verified: u.emailVerified,
      first_name: u.firstName,
      last_name: u.lastName,
      picture: u.picture,
      locale: u.locale,
      version: events[events.length - 1]!.version,
      created_at: new Date(events[0]!.metadata.timestamp),
      updated_at: new Date(events[events.length - 1]!.metadata.timestamp),
    });
  }
  const { rows } = await sys.db.pool.query(
    'SELECT id, auth0_id, email, email_verified, first_name, last_name, picture, locale, version, created_at, updated_at FROM identity.users',
  );
  return [...unreadable.map((u) => `user entry ${u}`), ...differences('users', users, rows)];
}

/** The promise, or a failure naming what hung. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const BOOKKEEPING = new Set([
  'checkpoints',
  'processed_events',
  'migrations',
  'bookkeeping_migrations',
]);

async function liveCheckpoint(schema: string, projector: string): Promise<number> {
  const { rows } = await sys.db.pool.query(
    `SELECT position FROM ${schema}.checkpoints WHERE projector = $1`,
    [projector],
  );
  return Number(rows[0]?.position ?? 0);
}

/** Rows one schema's table has and the other's lacks, both ways, with a few of them. */
async function schemaDifferences(live: string, copy: string): Promise<string[]> {
  const { rows: tables } = await sys.db.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [live],
  );
  const out: string[] = [];
  for (const { table_name: t } of tables) {
    if (BOOKKEEPING.has(t)) continue;
    for (const [a, b, what] of [
      [live, copy, 'only in the live views'],
      [copy, live, 'only in the replay'],
    ] as const) {
      const { rows } = await sys.db.pool.query(
        `SELECT to_jsonb(d) AS row FROM (SELECT * FROM ${a}.${t} EXCEPT SELECT * FROM ${b}.${t}) d LIMIT 3`,
      );
      for (const r of rows) out.push(`${live}.${t} ${what}: ${clip(JSON.stringify(r.row), 500)}`);
    }
  }
  return out;
}

/**
 * Replays a context's whole log into a copy of its schema (as `npm run rebuild` does, but never
 * swapped in) and compares the copy with the live views table by table, at a point both reached.
 */
async function replayAndCompare(
  projections: Projection[],
  tamper?: string,
): Promise<{ differences: string[]; tamperSeen: boolean | null }> {
  const live = projections[0]!.schema;
  const copy = `${live}_replay_${uniq()}`;
  await migrate(sys.db.url, [{ ...projections[0]!.migrations, schema: copy }]);
  // In a box: TypeScript cannot see the hosts' callback assign it.
  const failed: { fatal: Error | null } = { fatal: null };
  const leases = new PostgresLeases(sys.db.url);
  const hosts = projections.map(
    (p) =>
      new ProjectorHost(log, sys.db.pool, leases, p, {
        schema: copy,
        recordOutcomes: false,
        onFatal: (err) => (failed.fatal ??= err),
      }),
  );
  try {
    for (const h of hosts) await h.start();
    let diffs: string[] = [];
    // The log may move on between the two reaching a position (a process expiring an estimate):
    // a difference counts only if it survives both being at the same newer end.
    for (let attempt = 0; attempt < 3; attempt++) {
      const heads = await Promise.all(projections.map((p) => log.head(p.category, 'event')));
      await Promise.all(
        hosts.map((h, i) =>
          within(h.waitFor(heads[i]!), 90_000, `the replay of ${projections[i]!.name}`),
        ),
      );
      if (failed.fatal) throw failed.fatal;
      await eventually(
        async () =>
          (
            await Promise.all(
              projections.map(async (p, i) => (await liveCheckpoint(live, p.name)) >= heads[i]!),
            )
          ).every(Boolean),
        60_000,
        `live ${live} views to reach the log's end`,
      );
      diffs = await schemaDifferences(live, copy);
      if (diffs.length === 0) break;
    }
    let tamperSeen: boolean | null = null;
    if (tamper && diffs.length === 0) {
      // The comparison must be able to fail: change one row of the copy and look again.
      const { rowCount } = await sys.db.pool.query(tamper.replace(/\$schema/g, copy));
      tamperSeen = rowCount === 0 ? null : (await schemaDifferences(live, copy)).length > 0;
    }
    return { differences: diffs, tamperSeen };
  } finally {
    for (const h of hosts) await h.stop();
    await sys.db.pool.query(`DROP SCHEMA IF EXISTS ${copy} CASCADE`);
  }
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  // A real SMTP server, so invitations and estimates are mailed as in production (nodemailer).
  smtp = await startTestSmtp();
  sys = await startWholeSystem({ SMTP_URL: smtp.url });
  port = sys.processes[0]!.port;
  log = await testLog(sys.db, sys.prefix, 'hostile');

  const [owner, client, stranger] = [
    await registered('owner'),
    await registered('client'),
    await registered('stranger'),
  ];
  // Someone whose subject and address are not plain ASCII, as some identity providers issue them.
  const weird = await registered(
    'weird',
    `Ünï.Cödé+${uniq()}@Example.COM`,
    `auth0|ünïcødé-😀-${uniq()}`,
  );
  fx = { owner, client, stranger, weird, ids: {} };
  const ids = fx.ids;

  ids.project = (
    await must(owner, 'POST', '/projects', {
      name: 'Client work',
      description: 'The board under fire',
    })
  ).id;
  ids.spareProject = (await must(owner, 'POST', '/projects', { name: 'Spare' })).id;
  const columns = await must(owner, 'GET', `/projects/${ids.project}/columns`);
  columns.forEach((c: any, i: number) => (ids[`col${i + 1}`] = c.id));
  ids.task = (
    await must(owner, 'POST', `/projects/${ids.project}/columns/${ids.col1}/tasks`, {
      title: 'Edit me',
    })
  ).id;
  ids.moveTask = (
    await must(owner, 'POST', `/projects/${ids.project}/columns/${ids.col1}/tasks`, {
      title: 'Move me',
    })
  ).id;
  for (const t of ['One', 'Two', 'Three'])
    await must(owner, 'POST', `/projects/${ids.project}/columns/${ids.col2}/tasks`, { title: t });
  await must(owner, 'PATCH', `/projects/tasks/${ids.task}`, { points: 3 });

  ids.team = (
    await must(owner, 'POST', '/users/teams', { name: 'Acme', projectId: ids.project })
  ).id;
  ids.spareTeam = (await must(owner, 'POST', '/users/teams', { name: 'Spare team' })).id;
  await must(owner, 'POST', `/users/teams/${ids.team}/invites`, { emailList: [client.email] });
  const invite = (await must(client, 'GET', '/users/teams/invites')).find(
    (i: any) => i.teamId === ids.team,
  );
  await must(client, 'PATCH', `/users/teams/${ids.team}/invites/${invite.id}`, { accepted: true });

  ids.otherProject = (await must(stranger, 'POST', '/projects', { name: 'Not yours' })).id;
  ids.otherColumn = (await must(stranger, 'GET', `/projects/${ids.otherProject}/columns`))[0].id;
  ids.otherTeam = (await must(stranger, 'POST', '/users/teams', { name: 'Not yours either' })).id;

  const d = await must(owner, 'POST', `/projects/${ids.project}/estimates`, {
    title: 'Draft',
    currency: 'EUR',
    validUntil: inDays(60),
    clientEmail: client.email,
    items: [
      { description: 'Design', quantity: '1.5', unit: 'hour', unitPrice: 9500 },
      { description: 'Build', quantity: '10', unit: 'hour', unitPrice: 10000 },
    ],
  });
  ids.draft = d.id;
  ids.item = d.items[0].id;
  await victim('victimSent');
});

afterAll(async () => {
  // The process's own log, for reading what a failure looked like from the inside.
  if (process.env.PROPTEST_OUTPUT)
    writeFileSync(process.env.PROPTEST_OUTPUT, sys?.processes[0]?.output() ?? '');
  await log?.close();
  await sys?.stop();
  await smtp?.close();
});

describe('hostile input to every write endpoint', () => {
  it('answers every request with 2xx or 4xx and every error as JSON {error}, never a 5xx or a dropped connection', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await perform(c);
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        endOnFailure: !SHRINK,
        plugins: [fc.interruptAfterTimeLimit(8 * 60_000)],
      },
    );

    const mails = smtp.received.length;
    const table = [...statuses].map(
      ([name, counts]) =>
        `${name.padEnd(18)} ${[...counts]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    const distinct = new Map<string, Violation>();
    for (const v of violations)
      distinct.set(
        `${v.endpoint} ${v.problem} ${v.answer.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 120)}`,
        v,
      );

    console.log(
      `${RUNS} hostile requests in ${Math.round((Date.now() - started) / 1000)} s (PROPTEST_SEED=${SEED}), ${mails} mails sent; answers by endpoint:\n${table.join('\n')}` +
        `\nslowest: ${slowest.map((x) => `${x.what} ${x.ms} ms`).join('; ')}` +
        (distinct.size
          ? `\n\n${distinct.size} kinds of failure:\n${[...distinct.values()].map((v) => `- [${v.endpoint}] ${v.problem}\n    ${v.request}\n    → ${v.answer}`).join('\n')}`
          : ''),
    );

    expect([...distinct.values()]).toEqual([]);
    // Not only refusals: the valid shapes with edge values went through, on most endpoints.
    const succeeded = [...statuses].filter(([, counts]) =>
      [...counts.keys()].some((s) => s >= 200 && s < 300),
    ).length;
    expect(succeeded).toBeGreaterThanOrEqual(Math.min(ENDPOINTS.length - 4, Math.floor(RUNS / 12)));
  });

  it('stays ready, with nothing parked', async () => {
    // What was answered 202 settles first: its outcome is part of what the views must show.
    for (const p of pendingCommands) {
      await eventually(
        async () =>
          ((await request('GET', `/commands/${p.id}`, { token: p.token })) as Answer).body
            ?.status !== 'pending',
        30_000,
        `command ${p.id} to settle`,
      );
    }
    const ready = (await request('GET', '/readyz')) as Answer;
    const { rows: parkedEntries } = await sys.db.pool.query(
      'SELECT consumer, category, kind, position, stream_id, reason, left(body, 600) AS body FROM platform.parked_entries ORDER BY parked_at',
    );
    // Components and the dispatcher park on the log's parked channels only.
    const parkedOnChannels: string[] = [];
    for (const category of Object.keys(contracts)) {
      await log.read(category, 'parked' as never, 1, (d) => {
        if (!d.body.includes('"fence"')) parkedOnChannels.push(`${category}: ${clip(d.body, 600)}`);
      });
    }
    // Anything the process logged as an error is a failure of ours it noticed, whatever it answered;
    // a side effect retried again and again is one that cannot succeed.
    const lines = sys.processes[0]!.output().split('\n');
    const errorsLogged = lines
      .filter((line) => /"level":(50|60)/.test(line))
      .map((line) => clip(line, 600));
    const retries = new Map<string, { count: number; err: string }>();
    for (const line of lines.filter((l) => l.includes('will retry'))) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const key = [
        entry.msg,
        entry.reaction ?? entry.category ?? '',
        entry.event ?? entry.position ?? '',
      ]
        .map(String)
        .join(' ');
      retries.set(key, {
        count: (retries.get(key)?.count ?? 0) + 1,
        err: clip(String(entry.err), 400),
      });
    }
    // Temporal's worker logs a failed activity attempt in its own format.
    for (const m of sys.processes[0]!.output().matchAll(
      /Activity failed \{[\s\S]*?attempt: (\d+),[\s\S]*?activityType: '([^']+)',[\s\S]*?workflowId: '([^']+)',[\s\S]*?error: ([^\n]+)/g,
    )) {
      const key = `activity ${m[2]} of ${m[3]}`;
      retries.set(key, {
        count: Math.max(Number(m[1]), retries.get(key)?.count ?? 0),
        err: clip(m[4]!, 400),
      });
    }
    // What a retried reaction was about, for the report: the address an invitation went to.
    const invited = new Map<string, string>();
    for (const events of (await eventsByStream('team')).streams.values()) {
      for (const e of events)
        if (e.type === 'MemberInvited')
          invited.set(e.id, JSON.stringify((e.data as { email: string }).email));
    }
    const retriedOften = [...retries]
      .filter(([, r]) => r.count >= 3)
      .map(
        ([key, r]) =>
          `${key}${[...invited]
            .filter(([id]) => key.includes(id))
            .map(([, email]) => ` (to ${email})`)
            .join('')} ×${r.count}: ${r.err}`,
      );
    // Mail goes to the address it was meant for, one address a message: not to another mailbox
    // that the mail library read into it ("x,y@…" sent to y@…). A quoted local part is the same
    // mailbox as the bare one.
    const mailbox = (address: string) => {
      const at = address.lastIndexOf('@');
      const local = address
        .slice(0, at)
        .replace(/^"(.*)"$/, (_, q: string) => q.replace(/\\(.)/g, '$1'));
      return `${local}@${address.slice(at + 1)}`.toLowerCase();
    };
    const { rows: addressed } = await sys.db.pool.query(
      `SELECT email FROM teams.invites UNION SELECT client_email FROM estimation.estimates WHERE client_email IS NOT NULL UNION SELECT client_email FROM payments.invoices`,
    );
    const meant = new Set(addressed.map((r: { email: string }) => mailbox(r.email)));
    const misaddressed = smtp.received
      .filter((m) => m.to.length !== 1 || !meant.has(mailbox(m.to[0]!)))
      .map((m) => `to ${m.to.join(', ')}: ${clip(m.raw.replace(/\r?\n/g, ' | '), 300)}`);
    expect({
      ready: ready.status === 200 && ready.body?.status === 'ready',
      parkedEntries,
      parkedOnChannels,
      errorsLogged,
      retriedOften,
      misaddressed,
    }).toEqual({
      ready: true,
      parkedEntries: [],
      parkedOnChannels: [],
      errorsLogged: [],
      retriedOften: [],
      misaddressed: [],
    });
  });

  it('issues the invoice of every approved estimate', async () => {
    // An approval's invoice is issued by its process a moment later; a deposit that rounds to
    // nothing (1% of a few cents) is the one approval without one.
    const missing = async () =>
      (
        await sys.db.pool.query(
          `SELECT e.id, e.total, e.deposit_percent, e.currency FROM estimation.estimates e
            WHERE e.status = 'approved' AND (e.total * e.deposit_percent * 2 + 100) / 200 > 0
              AND NOT EXISTS (SELECT 1 FROM payments.invoices i WHERE i.estimate_id = e.id)`,
        )
      ).rows;
    await eventually(async () => (await missing()).length === 0, 20_000, 'the invoices').catch(
      () => undefined,
    );
    expect(await missing()).toEqual([]);
  });

  it('keeps the board and user views equal to a fold of their events with the deciders', async () => {
    for (const p of PROJECTIONS.projects!.concat(PROJECTIONS.identity!)) {
      const head = await log.head(p.category, 'event');
      await eventually(
        async () => (await liveCheckpoint(p.schema, p.name)) >= head,
        60_000,
        `${p.name} to reach the log's end`,
      );
    }
    expect(await boardsAgainstFold()).toEqual([]);
    expect(await usersAgainstFold()).toEqual([]);
  });

  it("keeps every context's views equal to a fresh replay of its log", async () => {
    const found: Record<string, string[]> = {};
    for (const [context, projections] of Object.entries(PROJECTIONS)) {
      const tamper =
        context === 'projects'
          ? "UPDATE $schema.tasks SET title = title || '!' WHERE id = (SELECT id FROM $schema.tasks ORDER BY id LIMIT 1)"
          : undefined;
      const { differences: diffs, tamperSeen } = await replayAndCompare(projections, tamper);
      found[context] = diffs;
      if (tamper && diffs.length === 0)
        expect({ context, tamperSeen }).toEqual({ context, tamperSeen: true });
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(PROJECTIONS).map((c) => [c, []])));
  });
});
