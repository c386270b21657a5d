import fc from 'fast-check';
import type { TSchema } from '@sinclair/typebox';
import { CommandEnvelopeSchema, EventEnvelopeSchema, Metadata } from './envelope';
import {
  CURRENCIES,
  MAX_SAFE,
  isCalendarDay,
  isInstant,
  isMailbox,
  isStorableText,
} from './formats';
import { LogEntryPayload } from './log';
import { contracts, systemEvents } from './registry';
import { validate } from '../platform/validation';

/** Every schema a message on the log is checked against. */
function everySchema(): Array<[string, TSchema]> {
  const all: Array<[string, TSchema]> = [
    ['Metadata', Metadata],
    ['CommandEnvelope', CommandEnvelopeSchema()],
    ['EventEnvelope', EventEnvelopeSchema()],
    ['LogEntry', LogEntryPayload],
    ...Object.entries(systemEvents),
  ];
  for (const c of Object.values(contracts)) {
    for (const group of [c.commands, c.events, c.process ?? {}]) all.push(...Object.entries(group));
  }
  return all;
}

/** Walks a JSON Schema and reports every leaf that would let storage-breaking values through. */
function looseLeaves(schema: unknown, path: string, out: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Record<string, unknown>;
  if (s.type === 'string' && s.const === undefined && s.enum === undefined) {
    // A pattern anchored to ASCII classes cannot match NUL or surrogates; anything else needs a format.
    const asciiPattern =
      typeof s.pattern === 'string' &&
      /^\^.*\$$/.test(s.pattern) &&
      !/(^|[^\\])\.|\[\^|\\[SDW]/.test(s.pattern);
    if (!s.format && !asciiPattern) out.push(`${path}: string without a format`);
    if (s.maxLength === undefined) out.push(`${path}: string without maxLength`);
  }
  if (s.type === 'integer' || s.type === 'number') {
    if (typeof s.maximum !== 'number' || s.maximum > MAX_SAFE)
      out.push(`${path}: number without a safe maximum`);
    if (typeof s.minimum !== 'number' || s.minimum < -MAX_SAFE)
      out.push(`${path}: number without a safe minimum`);
  }
  if (s.type === 'array' && s.maxItems === undefined) out.push(`${path}: array without maxItems`);
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties')
      for (const [p, v] of Object.entries(value as object)) looseLeaves(v, `${path}.${p}`, out);
    else if (key === 'items' || key === 'additionalProperties')
      looseLeaves(value, `${path}[]`, out);
    else if (key === 'anyOf' || key === 'allOf' || key === 'oneOf')
      (value as unknown[]).forEach((v, i) => looseLeaves(v, `${path}|${i}`, out));
  }
}

describe('every message contract', () => {
  it('bounds every string (a storable format, a length), number (the safe range) and list', () => {
    const out: string[] = [];
    for (const [name, schema] of everySchema())
      looseLeaves(JSON.parse(JSON.stringify(schema)), name, out);
    expect(out).toEqual([]);
  });
});

describe('text', () => {
  it('refuses NUL and unpaired surrogates, keeps everything else (emoji, RTL, long text)', () => {
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('x\udc00y')).toBe(false);
    expect(isStorableText('\ud83d')).toBe(false);
    expect(isStorableText('😀 مرحبا \u202e ok')).toBe(true);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (s) => isStorableText(s) === !s.includes('\u0000'),
      ),
    );
    // What passes can be encoded as UTF-8 and read back unchanged, as Postgres will.
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 100 }),
        (s) => !isStorableText(s) || Buffer.from(s, 'utf8').toString('utf8') === s,
      ),
    );
  });
});

describe('dates', () => {
  it('takes real calendar days only', () => {
    for (const ok of ['2024-02-29', '2025-12-31', '0001-01-01', '9999-12-31'])
      expect(isCalendarDay(ok)).toBe(true);
    for (const bad of [
      '2025-02-30',
      '2025-02-29',
      '2025-13-01',
      '2025-00-10',
      '2025-04-31',
      '0000-01-01',
      '2025-1-01',
      '20250101',
      '2025-01-01T00:00:00Z',
    ]) {
      expect(isCalendarDay(bad)).toBe(false);
    }
  });

  it('takes RFC 3339 instants with a real day and time only', () => {
    for (const ok of [
      '2026-12-03T10:00:00Z',
      '2026-12-03T10:00:00.123Z',
      '2026-12-03T10:00:00+05:30',
    ])
      expect(isInstant(ok)).toBe(true);
    for (const bad of [
      '2025-02-30T00:00:00Z',
      '2026-12-03T24:00:00Z',
      '2026-12-03T10:60:00Z',
      '2026-12-03',
      'yesterday',
      '2026-12-03T10:00:00+25:00',
    ]) {
      expect(isInstant(bad)).toBe(false);
    }
  });
});

describe('addresses the system mails', () => {
  it('take one mailbox a mail server accepts, and nothing a mailer would read as several or none', () => {
    for (const ok of [
      'a@b.co',
      'first.last+tag@sub.example.org',
      'ñandú@dominio.es',
      "o'brien@example.ie",
    ])
      expect(isMailbox(ok)).toBe(true);
    for (const bad of [
      'x,y@example.com',
      'a<b>c@example.com',
      'a..b@example.com',
      'a@b..com',
      'a(b)@x.com',
      'a;b@x.com',
      'a@-b.com',
      '"q"@x.com',
      `${'l'.repeat(65)}@x.com`,
    ]) {
      expect(isMailbox(bad)).toBe(false);
    }
  });
});

describe('money', () => {
  it('takes ISO 4217 currencies money is paid in', () => {
    for (const c of ['EUR', 'USD', 'JPY', 'GBP', 'CHF']) expect(CURRENCIES.has(c)).toBe(true);
    for (const c of ['ZZZ', 'XXX', 'XTS', 'XAU', 'eur']) expect(CURRENCIES.has(c)).toBe(false);
  });
});

describe('what a caller is told', () => {
  const { DraftEstimate } = contracts.estimate!.commands;
  const draft = {
    estimateId: '6f1c1e8e-58a5-4c0e-9d55-9a1d7a0d3b11',
    projectId: '6f1c1e8e-58a5-4c0e-9d55-9a1d7a0d3b12',
    createdBy: '6f1c1e8e-58a5-4c0e-9d55-9a1d7a0d3b13',
    title: 'Shop',
    currency: 'EUR',
    validUntil: '2026-12-31',
  };

  it('names the field and the fix', () => {
    expect(validate(DraftEstimate!, { ...draft, validUntil: '2025-02-30' })).toEqual({
      ok: false,
      error: 'body.validUntil must be a real calendar date, YYYY-MM-DD',
    });
    expect(validate(DraftEstimate!, { ...draft, currency: 'ZZZ' })).toEqual({
      ok: false,
      error: 'body.currency must be an ISO 4217 currency code, like EUR',
    });
    expect(validate(DraftEstimate!, { ...draft, title: 'a\u0000b' })).toEqual({
      ok: false,
      error: 'body.title must not contain NUL characters or unpaired surrogates',
    });
    expect(validate(DraftEstimate!, { ...draft, clientEmail: 'a\u0000@b.co' })).toEqual({
      ok: false,
      error: 'body.clientEmail must be an email address',
    });
    expect(validate(DraftEstimate!, draft)).toMatchObject({ ok: true });
  });
});
