import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Middleware } from 'koa';
import jwt from 'jsonwebtoken';
import { authFailure } from '../http/errors';
import { jwksKeys, type SigningKeys } from './jwks';
import { verifiedTokens } from './verifiedTokens';

export interface AuthSettings {
  issuer: string;
  audience: string;
  /** Keys from a JWKS endpoint (Auth0), or one fixed public key (the local dev issuer). */
  jwksUri?: string;
  publicKeyPem?: string;
  /** Least time between JWKS fetches for unknown key ids; `AUTH_JWKS_REFETCH_MS` when not given. */
  jwksRefetchMs?: number;
  /** Age after which the cached keys are refreshed in the background. */
  jwksRefreshMs?: number;
  jwksTimeoutMs?: number;
}

/**
 * RS256 only; issuer and audience checked (`aud` may be an array: Auth0 adds its /userinfo URL,
 * any match is enough); `exp` required. The claims go to `ctx.state.claims`.
 */
export function authenticate(settings: AuthSettings): Middleware {
  const keys = signingKeys(settings);
  const options: jwt.VerifyOptions = {
    algorithms: ['RS256'],
    issuer: settings.issuer,
    audience: settings.audience,
  };
  const verified = verifiedTokens<KeyObject>();
  return async (ctx, next) => {
    const token = /^Bearer ([^ ]+)$/i.exec(ctx.get('authorization').trim())?.[1];
    if (!token) throw authFailure('no token');
    const known = verified.get(token, Date.now());
    if (known && (await keys.key(known.kid)) === known.key) {
      ctx.state.claims = known.claims;
      await next();
      return;
    }
    const header = checkedHeader(token);
    // Settled before any key is looked up, so such tokens cost no fetch.
    if (!header) throw authFailure('invalid');
    const key = await keys.key(header.kid);
    if (key === 'unknown') throw authFailure('unknown key');
    if (key === 'unavailable') throw authFailure('keys unavailable');
    try {
      ctx.state.claims = jwt.verify(token, key, options);
    } catch (err) {
      throw authFailure((err as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid');
    }
    verified.keep(token, { claims: ctx.state.claims, kid: header.kid, key }, Date.now());
    await next();
  };
}

/** The header of a token that could pass: RS256, a string key id if any, an `exp` claim. */
function checkedHeader(token: string): { kid: string | undefined } | null {
  let decoded: jwt.Jwt | null;
  try {
    decoded = jwt.decode(token, { complete: true });
  } catch {
    return null; // a `typ: JWT` header over a payload that is not JSON
  }
  if (!decoded || decoded.header.alg !== 'RS256') return null;
  // Typed as an object or a string, but a `null` JSON payload comes through as null.
  const payload: unknown = decoded.payload;
  const kid: unknown = decoded.header.kid;
  if (
    typeof payload !== 'object' ||
    payload === null ||
    !('exp' in payload) ||
    typeof payload.exp !== 'number'
  )
    return null;
  if (kid !== undefined && typeof kid !== 'string') return null;
  return { kid };
}

function signingKeys(settings: AuthSettings): SigningKeys {
  if (settings.publicKeyPem) {
    // Parsed once: handed a PEM string, the verifier would parse it again for every request.
    const fixed = createPublicKey(settings.publicKeyPem);
    return { key: () => Promise.resolve(fixed) };
  }
  if (!settings.jwksUri) throw new Error('authenticate needs a jwksUri or a publicKeyPem');
  return jwksKeys({
    uri: settings.jwksUri,
    // createHttpApp hands over only issuer, audience and keys: the interval is read here.
    refetchMs: settings.jwksRefetchMs ?? 10_000,
    refreshMs: settings.jwksRefreshMs,
    timeoutMs: settings.jwksTimeoutMs,
  });
}
