import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import { koaJwtSecret } from 'jwks-rsa';
import { HttpError } from '../http/errors';

export interface AuthSettings {
  issuer: string;
  audience: string;
  /** Keys from a JWKS endpoint (Auth0), or one fixed public key (the local dev issuer). */
  jwksUri?: string;
  publicKeyPem?: string;
}

export interface Principal {
  /** The token's `sub`: the only identity we trust. */
  sub: string;
  /** From the token when it carries them (an Auth0 Action can add them); null otherwise. */
  email: string | null;
  emailVerified: boolean | null;
  roles: string[];
}

const ROLES_CLAIM = 'https://client.devpie.io/claims/roles';

/** RS256 only; `aud` may be an array (Auth0 adds its /userinfo URL), any match is enough. */
export function authenticate(settings: AuthSettings): Middleware {
  const secret = settings.publicKeyPem
    ? settings.publicKeyPem
    : koaJwtSecret({ jwksUri: settings.jwksUri!, cache: true, cacheMaxAge: 600_000, rateLimit: true, jwksRequestsPerMinute: 30 });
  return koaJwt({
    secret,
    audience: settings.audience,
    issuer: settings.issuer,
    algorithms: ['RS256'],
    key: 'claims',
  }) as unknown as Middleware;
}

export function principal(state: Record<string, unknown>): Principal {
  const claims = state.claims as Record<string, unknown> | undefined;
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '') throw new HttpError(401, 'Unauthorized: token has no subject');
  const roles = claims[ROLES_CLAIM];
  return {
    sub: claims.sub,
    email: typeof claims.email === 'string' ? claims.email : null,
    emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : null,
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
  };
}
