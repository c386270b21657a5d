import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const key = signingKey('test-key');
  const other = signingKey('test-key');
  const server = await startKeyServer([key]);
  const base = server.base;
  const audience = 'https://api.devpie.test';
  const sign = (
    k: SigningKey,
    sub: string,
    claims: Record<string, unknown> = {},
    options: jwt.SignOptions = {},
  ) =>
    jwt.sign({ sub, ...claims } satisfies jwt.JwtPayload, k.privateKey, {
      algorithm: 'RS256',
      keyid: k.kid,
      issuer: base,
      audience: [audience, `${base}userinfo`],
      ...('exp' in claims ? {} : { expiresIn: '1h' }),
      ...options,
    });
  return {
    issuer: base,
    audience,
    jwksUri: server.jwksUri,
    token: (sub, claims, options) => sign(key, sub, claims, options),
    forgedToken: (sub) => sign(other, sub),
    close: () => server.close(),
  };
}

/** An RSA key pair as an issuer holds it, with its public half as the JWKS publishes it. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JsonWebKey;
}

export function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' },
  };
}

/** A key server on loopback whose published keys a test can change, counting what it is asked. */
export interface KeyServer {
  /** `http(s)://127.0.0.1:<port>/` */
  base: string;
  jwksUri: string;
  /** JWKS requests answered so far. */
  readonly requests: number;
  publish(keys: SigningKey[]): void;
  close(): Promise<void>;
}

export async function startKeyServer(
  keys: SigningKey[],
  options: { tls?: { key: string; cert: string } } = {},
): Promise<KeyServer> {
  let published = keys;
  let requests = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/.well-known/jwks.json') {
      requests += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
    } else {
      res.writeHead(404).end();
    }
  };
  const server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  const port = await listenOnLoopback(server);
  const base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  return {
    base,
    jwksUri: `${base}.well-known/jwks.json`,
    get requests() {
      return requests;
    },
    publish(next) {
      published = next;
    },
    close: () => closeServer(server),
  };
}

/** A certificate for 127.0.0.1 that nobody vouches for, made fresh with openssl. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'devpie-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}
