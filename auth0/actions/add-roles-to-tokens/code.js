/**
 * Post-login Action: the claims the Devpie Client API and frontend read from the tokens.
 *
 * - `https://client.devpie.io/claims/roles`: the user's role names (freelancer, client), in the ID
 *   token (for the frontend) and the access token (for the API; platform/auth/jwt.ts).
 * - `https://client.devpie.io/claims/email` and `…/email_verified` in the access token: the
 *   address, and whether Auth0 verified it. The API lets invitations, estimates and invoices
 *   addressed to an email be opened only with a verified one (platform/auth/jwt.ts reads the
 *   standard `email`/`email_verified` claims first, then these). Namespaced, because Auth0 adds the
 *   standard profile claims to an access token only when the login asked for the `email` scope.
 *
 * @param {Event} event Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api Methods and utilities to change the behaviour of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const ROLES_CLAIM = 'https://client.devpie.io/claims/roles';
  const roles = (event.authorization && event.authorization.roles) || [];
  api.idToken.setCustomClaim(ROLES_CLAIM, roles);
  api.accessToken.setCustomClaim(ROLES_CLAIM, roles);

  const CLAIMS = 'https://client.devpie.io/claims/';
  if (typeof event.user.email === 'string' && event.user.email !== '') {
    api.accessToken.setCustomClaim(`${CLAIMS}email`, event.user.email);
    api.accessToken.setCustomClaim(`${CLAIMS}email_verified`, event.user.email_verified === true);
  }
};
