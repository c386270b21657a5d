/**
 * Post-login Action: the claims the Devpie Client API and frontend read from the tokens.
 *
 * - `https://client.devpie.io/claims/roles`: the user's role names (freelancer, client), in the ID
 *   token (for the frontend) and the access token (for the API; platform/auth/jwt.ts).
 * - `email`, `email_verified` in the access token: the API takes them from the token when present
 *   (registration, invitations) instead of trusting the request body. Auth0 adds these OIDC
 *   profile claims to an access token only when the login asked for the `email` scope.
 *
 * @param {Event} event Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api Methods and utilities to change the behaviour of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const ROLES_CLAIM = 'https://client.devpie.io/claims/roles';
  const roles = (event.authorization && event.authorization.roles) || [];
  api.idToken.setCustomClaim(ROLES_CLAIM, roles);
  api.accessToken.setCustomClaim(ROLES_CLAIM, roles);

  if (typeof event.user.email === 'string' && event.user.email !== '') {
    api.accessToken.setCustomClaim('email', event.user.email);
    api.accessToken.setCustomClaim('email_verified', event.user.email_verified === true);
  }
};
