// Prints a token from the local dev issuer: npm run dev-token -- [sub] [email]
import { devIssuer } from '../platform/auth/devIssuer';
import { loadConfig } from '../platform/config';

const config = loadConfig({ ...process.env, DEV_AUTH: 'true' });
const [sub = 'dev|alice', email = 'alice@example.com'] = process.argv.slice(2);
const issuer = devIssuer(config.auth.devKeyFile, config.auth.issuer, config.auth.audience);
// The dev issuer plays an identity provider that has verified the address.
process.stdout.write(`${issuer.sign({ sub, email, email_verified: true })}\n`);
