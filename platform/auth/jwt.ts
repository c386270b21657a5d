import { isEmail, isStorableText } from '../../contracts/formats';
import { HttpError } from '../http/errors';

export interface Principal {
  /** The token's `sub`: the only identity we trust. */
  sub: string;
  /** From the token when it carries them (an Auth0 Action can add them); null otherwise. */
  email: string | null;
  emailVerified: boolean | null;
  /**
   * The token's email, lower case, only when the identity provider verified it: the one proof
   * of an address that access to invitations, estimates and invoices may hang on.
   */
  verifiedEmail: string | null;
  roles: string[];
}

/** Our custom claims (auth0/actions/add-roles-to-tokens adds them). */
export const NAMESPACE = 'https://client.devpie.io/claims/';
export const ROLES_CLAIM = `${NAMESPACE}roles`;

/** The standard OIDC claim, else the one our post-login Action adds under our namespace. */
function claim(claims: Record<string, unknown>, name: string): unknown {
  return claims[name] ?? claims[`${NAMESPACE}${name}`];
}

export function principal(state: Record<string, unknown>): Principal {
  const claims = state.claims as Record<string, unknown> | undefined;
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '')
    throw new HttpError(401, 'Unauthorized: token has no subject');
  // A subject is stored and compared as text: one that could not be stored is no identity.
  if (claims.sub.length > 256 || !isStorableText(claims.sub))
    throw new HttpError(401, 'Unauthorized: invalid token');
  const roles = claims[ROLES_CLAIM];
  const email = claim(claims, 'email');
  const verified = claim(claims, 'email_verified');
  const proven = typeof email === 'string' && verified === true && isEmail(email);
  return {
    sub: claims.sub,
    email: typeof email === 'string' ? email : null,
    emailVerified: typeof verified === 'boolean' ? verified : null,
    verifiedEmail: proven ? email.toLowerCase() : null,
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
  };
}
