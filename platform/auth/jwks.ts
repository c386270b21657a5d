import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { logger } from '../logger';

export interface JwksSettings {
  uri: string;
  /**
   * Least time between two fetches caused by a token whose key id is not cached. Anyone can make
   * up key ids: this, not the number of such tokens, bounds what they cost the key server.
   */
  refetchMs: number;
  /** Age after which a request also refreshes the set in the background (keys removed upstream go). */
  refreshMs?: number;
  /** Longest wait for the key server, so a hung one cannot hold requests. */
  timeoutMs?: number;
}

/** A key, or why there is none: the key server does not publish it, or cannot be read now. */
export type KeyLookup = KeyObject | 'unknown' | 'unavailable';

export interface SigningKeys {
  /** `kid` absent: the only key, when the set has exactly one (as jwks-rsa allowed). */
  key(kid: string | undefined): Promise<KeyLookup>;
}

interface KeySet {
  byKid: Map<string, KeyObject>;
  all: KeyObject[];
}

/** A JWKS too big to be a key set is not read to the end. */
const MAX_JWKS_BYTES = 1 << 20;

/**
 * Every key of a JWKS endpoint, parsed once. A key id that is not cached triggers one fetch per
 * `refetchMs` at most, shared by every request waiting for it; a failed fetch keeps the keys
 * already held, so only tokens needing a key we never had see the key server's outage.
 */
export function jwksKeys(settings: JwksSettings): SigningKeys {
  const { uri, refetchMs, refreshMs = 600_000, timeoutMs = 3_000 } = settings;
  let keys: KeySet = { byKid: new Map(), all: [] };
  let lastAttempt = -Infinity;
  let lastFailed = false;
  let inflight: Promise<void> | null = null;

  const refresh = (): Promise<void> => {
    inflight ??= (async () => {
      lastAttempt = performance.now();
      try {
        keys = await fetchKeySet(uri, timeoutMs);
        lastFailed = false;
      } catch (err) {
        lastFailed = true;
        logger.error({ err: describe(err), uri }, 'cannot read the signing keys');
      }
    })().finally(() => {
      inflight = null;
    });
    return inflight;
  };

  const lookup = (kid: string | undefined): KeyObject | undefined =>
    kid === undefined ? (keys.all.length === 1 ? keys.all[0] : undefined) : keys.byKid.get(kid);

  return {
    async key(kid) {
      const since = performance.now() - lastAttempt;
      const cached = lookup(kid);
      if (cached) {
        // Requests keep the set fresh, so an idle process does not poll the key server.
        if (since >= refreshMs) void refresh();
        return cached;
      }
      if (inflight) await inflight;
      else if (since >= refetchMs) await refresh();
      return lookup(kid) ?? (lastFailed ? 'unavailable' : 'unknown');
    },
  };
}

async function fetchKeySet(uri: string, timeoutMs: number): Promise<KeySet> {
  // The key server does not redirect (Auth0 does not): a redirect is treated as a failure, as
  // jwks-rsa did, rather than followed to wherever it points.
  const res = await fetch(uri, {
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
    headers: { accept: 'application/json' },
  });
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new Error(`key server answered ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  // The body's typings say `any` per chunk; fetch's body streams bytes.
  for await (const read of res.body) {
    const chunk: unknown = read;
    if (!(chunk instanceof Uint8Array)) throw new Error('key server body is not bytes');
    size += chunk.byteLength;
    if (size > MAX_JWKS_BYTES) throw new Error('JWKS too large');
    chunks.push(chunk);
  }
  return parseKeySet(JSON.parse(Buffer.concat(chunks).toString('utf8')));
}

/** RSA signing keys only (we verify RS256 and nothing else); other keys are skipped, not fatal. */
function parseKeySet(body: unknown): KeySet {
  const list =
    body !== null && typeof body === 'object' ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list)) throw new Error('JWKS has no keys array');
  const set: KeySet = { byKid: new Map(), all: [] };
  for (const jwk of list) {
    if (jwk === null || typeof jwk !== 'object') continue;
    const { kid, kty, use, alg } = jwk as Record<string, unknown>;
    if (
      kty !== 'RSA' ||
      (use !== undefined && use !== 'sig') ||
      (alg !== undefined && alg !== 'RS256')
    )
      continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    set.all.push(key);
    if (typeof kid === 'string') set.byKid.set(kid, key);
  }
  // An empty set more likely means a broken answer than that every key was withdrawn: keep ours.
  if (set.all.length === 0) throw new Error('JWKS has no RS256 signing key');
  return set;
}

/** Node's fetch says only "fetch failed"; the reason (refused, timeout, certificate) is its cause. */
function describe(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause ? `: ${e.cause.code ?? e.cause.message}` : '';
  return `${e.name}: ${e.message}${cause}`;
}
