import { FormatRegistry, Type, type StringOptions } from '@sinclair/typebox';

/**
 * The formats every message uses: text, dates, instants, numbers and money as strictly as
 * storage and the business need. A value that passes here can always be stored and read back
 * (Postgres refuses NUL in text, unpaired surrogates in jsonb, and impossible dates), so a request
 * can never put into the log something a consumer cannot apply.
 *
 * TypeBox checks `format` through this registry; the emitted JSON Schema files carry the same
 * names, and other languages' validators apply the meaning written next to each.
 */

/** No NUL, no unpaired UTF-16 surrogate: storable as Postgres text and jsonb, encodable as UTF-8. */
export function isStorableText(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = v.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable and without spaces either side of the @; the provider is the judge of the rest.
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const EMAIL = /^[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/i;

const daysIn = (year: number, month: number): number =>
  new Date(Date.UTC(year, month, 0)).getUTCDate();

/** A real calendar day of years 1 to 9999 (what Postgres `date` and every client can hold). */
export function isCalendarDay(v: string): boolean {
  const m = DAY.exec(v);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** RFC 3339 date-time with a real day and time of day, and an offset within ±23:59. */
export function isInstant(v: string): boolean {
  const m = INSTANT.exec(v);
  if (!m || !isCalendarDay(`${m[1]}-${m[2]}-${m[3]}`)) return false;
  const [h, min, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (h > 23 || min > 59 || s > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return !Number.isNaN(Date.parse(v));
}

/**
 * ISO 4217 codes that money is paid in. Fund codes (BOV, CHE, USN, …), precious metals (XAU, …),
 * bond and accounting units (XBA–XBD, XDR, XSU, XUA), and the testing and "no currency" codes
 * (XTS, XXX) are not: nobody invoices in them.
 */
export const CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
    'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT ' +
    'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
    'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
    'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD ' +
    'XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

export const isEmail = (v: string): boolean =>
  v.length <= 254 && isStorableText(v) && EMAIL.test(v);

// A dot-atom local part and a dot-separated host name (letters beyond ASCII allowed, as SMTPUTF8
// carries them): what a mail server takes as one mailbox. No quoting, comments, or `..`.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uffff-]+";
const LABEL =
  '[A-Za-z0-9\\u0080-\\uffff](?:[A-Za-z0-9\\u0080-\\uffff-]{0,61}[A-Za-z0-9\\u0080-\\uffff])?';
const MAILBOX = new RegExp(`^${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+${LABEL}$`);

/** An address mail can be sent to: what invitations and estimates are addressed to. */
export const isMailbox = (v: string): boolean =>
  isEmail(v) && v.indexOf('@') <= 64 && MAILBOX.test(v);

function isHttpsUrl(v: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (!isStorableText(v) || /[\s\x00-\x1f\x7f]/.test(v)) return false;
  try {
    const url = new URL(v);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

const FORMATS: Record<string, (v: string) => boolean> = {
  text: isStorableText,
  uuid: (v) => UUID.test(v),
  email: isEmail,
  mailbox: isMailbox,
  date: isCalendarDay,
  'date-time': isInstant,
  currency: (v) => CURRENCIES.has(v),
  'https-url': isHttpsUrl,
};
for (const [name, check] of Object.entries(FORMATS))
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);

/** What a caller is told when a value breaks a format: the fix, not the rule's name. */
export const FORMAT_PROBLEMS: Record<string, string> = {
  text: 'must not contain NUL characters or unpaired surrogates',
  uuid: 'must be a UUID',
  email: 'must be an email address',
  mailbox: 'must be an email address mail can be sent to',
  date: 'must be a real calendar date, YYYY-MM-DD',
  'date-time': 'must be a real date and time, RFC 3339 (2026-01-31T12:00:00Z)',
  currency: 'must be an ISO 4217 currency code, like EUR',
  'https-url': 'must be an https URL',
};

/** The largest integer every reader (JavaScript, JSON, Postgres bigint) holds exactly. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Any text a person writes: storable, and bounded by whoever uses it. */
export const Text = (options: StringOptions = {}) => Type.String({ ...options, format: 'text' });
/** Text with something in it: not empty, not only white space. */
export const Filled = (maxLength: number) => Text({ minLength: 1, maxLength, pattern: '\\S' });
export const Id = Type.String({ format: 'uuid', maxLength: 36 });
export const Email = Type.String({ format: 'email', maxLength: 254 });
/**
 * An address the system will mail. Requests must give one; events keep `Email`, so entries
 * recorded before this rule stay readable.
 */
export const Mailbox = Type.String({ format: 'mailbox', maxLength: 254 });
/** A calendar day, `2026-12-31`. */
export const Day = Type.String({ format: 'date', maxLength: 10 });
/** A moment, RFC 3339. */
export const Instant = Type.String({ format: 'date-time', maxLength: 40 });
export const HttpsUrl = Type.String({ format: 'https-url', maxLength: 2048 });
/** An Auth0 subject (`auth0|…`): opaque, but text. */
export const Sub = Text({ minLength: 1, maxLength: 256 });
/** A whole number that survives JSON and JavaScript: never beyond 2^53 - 1. */
export const Int = (minimum: number, maximum: number) =>
  Type.Integer({ minimum, maximum: Math.min(maximum, MAX_SAFE) });

/** Durations a person may ask for (an estimate's validity, a reminder): up to five years. */
export const MAX_DURATION_MS = 5 * 366 * 24 * 3600 * 1000;
export const DurationMs = (minimum = 0) => Int(minimum, MAX_DURATION_MS);
