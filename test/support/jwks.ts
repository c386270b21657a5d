import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

/** A real JWKS endpoint on loopback and real RS256 tokens signed with its key, as Auth0 issues them. */
export interface TestIssuer {
  issuer: string;
  audience: string;
  jwksUri: string;
  token(sub: string, claims?: Record<string, unknown>, options?: jwt.SignOptions): string;
  /** A token signed by a key the JWKS does not publish. */
  forgedToken(sub: string): string;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = { ...(publicKey as KeyObject).export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const audience = 'https://api.devpie.test';
  const sign = (key: KeyObject, kid: string, sub: string, claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}) =>
    jwt.sign({ sub, ...claims }, key, {
      algorithm: 'RS256',
      keyid: kid,
      issuer: base,
      audience: [audience, `${base}userinfo`],
      ...('exp' in claims ? {} : { expiresIn: '1h' }),
      ...options,
    });
  return {
    issuer: base,
    audience,
    jwksUri: `${base}.well-known/jwks.json`,
    token: (sub, claims, options) => sign(privateKey, 'test-key', sub, claims, options),
    forgedToken: (sub) => sign(other, 'test-key', sub),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
