import { HttpError } from '../http/errors';

export interface Principal {
  /** The token's `sub`: the only identity we trust. */
  sub: string;
  /** From the token when it carries them (an Auth0 Action can add them); null otherwise. */
  email: string | null;
  emailVerified: boolean | null;
  roles: string[];
}

const ROLES_CLAIM = 'https://client.devpie.io/claims/roles';

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
