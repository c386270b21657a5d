import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import jwt from 'jsonwebtoken';

/**
 * A local stand-in for Auth0 in development: one RSA key kept under .data/, tokens signed with
 * it, verified by the API exactly as Auth0's would be (RS256, issuer, audience).
 */
export interface DevIssuer {
  issuer: string;
  audience: string;
  publicKeyPem: string;
  sign(claims: { sub: string; email?: string; [k: string]: unknown }, expiresIn?: string): string;
}

export function devIssuer(keyFile: string, issuer: string, audience: string): DevIssuer {
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const privateKeyPem = readFileSync(keyFile, 'utf8');
  const publicKeyPem = createPublicKey(privateKeyPem)
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return {
    issuer,
    audience,
    publicKeyPem,
    sign: (claims, expiresIn = '12h') =>
      jwt.sign(claims, privateKeyPem, {
        algorithm: 'RS256',
        issuer,
        audience: [audience, `${issuer}userinfo`],
        expiresIn: expiresIn as jwt.SignOptions['expiresIn'],
        keyid: 'dev',
      }),
  };
}
