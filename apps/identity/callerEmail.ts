import type { Principal } from '../../platform/auth/jwt';
import { HttpError } from '../../platform/http/errors';

/**
 * The address that proves who a caller is for invitations, estimates and invoices: their token's
 * email claim, and only when the identity provider verified it. The profile's email (typed into
 * POST /users) is display data: anyone can type anyone's address there.
 */
export const provenEmail = (who: Principal): string | null => who.verifiedEmail;

/** 403, with what to do about it, where access hangs on an address the caller has not proven. */
export function requireProvenEmail(who: Principal, forWhat: string): string {
  if (who.verifiedEmail) return who.verifiedEmail;
  throw new HttpError(403, `verify your email address to ${forWhat}`);
}
