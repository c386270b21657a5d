import { createServer, type RequestListener, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import jwt from 'jsonwebtoken';
import { authenticate, type AuthSettings } from './authenticate';
import { principal } from './jwt';
import { errorHandler } from '../http/errors';
import {
  closeServer,
  listenOnLoopback,
  selfSignedCertificate,
  signingKey,
  startKeyServer,
  type KeyServer,
  type SigningKey,
} from '../../test/support/jwks';

const issuer = 'https://issuer.devpie.test/';
const audience = 'https://api.devpie.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Payloads `satisfies jwt.JwtPayload`: sign also takes a string, whose `sub` is String#sub.
const sign = (
  key: Pick<SigningKey, 'privateKey'> & { kid?: string },
  claims: Record<string, unknown> = {},
  options: jwt.SignOptions = {},
) =>
  jwt.sign({ sub: 'auth0|alice', ...claims } satisfies jwt.JwtPayload, key.privateKey, {
    algorithm: 'RS256',
    ...(key.kid ? { keyid: key.kid } : {}),
    issuer,
    audience: [audience, `${issuer}userinfo`],
    ...('exp' in claims ? {} : { expiresIn: '1h' }),
    ...options,
  });

/** A token whose key id nobody published, signed by a key of its own. */
const madeUp = (() => {
  const attacker = signingKey('attacker');
  return () => sign({ ...attacker, kid: randomUUID() });
})();

interface Answer {
  status: number;
  body: { sub?: string; error?: string };
}

/** The middleware as the API mounts it (behind the error handler), served on loopback. */
async function protectedApi(settings: Partial<AuthSettings>) {
  const app = new Koa();
  app.use(errorHandler);
  app.use(authenticate({ issuer, audience, ...settings }));
  app.use((ctx) => {
    ctx.body = { sub: principal(ctx.state).sub };
  });
  const handle = app.callback();
  // Koa answers its own failures: the promise it returns does not reject.
  const server = createServer((req, res) => void handle(req, res));
  const port = await listenOnLoopback(server);
  servers.push(server);
  const call = async (
    token?: string,
    authorization = token === undefined ? undefined : `Bearer ${token}`,
  ): Promise<Answer> => {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  return { call, callAll: (tokens: string[]) => Promise.all(tokens.map((t) => call(t))) };
}

const servers: Server[] = [];
const keyServers: KeyServer[] = [];
async function keyServer(keys: SigningKey[], options?: Parameters<typeof startKeyServer>[1]) {
  const s = await startKeyServer(keys, options);
  keyServers.push(s);
  return s;
}

/** A loopback server answering the JWKS path however the test says. */
async function rawServer(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return `http://127.0.0.1:${await listenOnLoopback(server)}/.well-known/jwks.json`;
}

afterEach(async () => {
  await Promise.all([
    ...servers.splice(0).map(closeServer),
    ...keyServers.splice(0).map((s) => s.close()),
  ]);
});

const a = signingKey('key-a');
const b = signingKey('key-b');
const ok: Answer = { status: 200, body: { sub: 'auth0|alice' } };
const unknownKey: Answer = { status: 401, body: { error: 'Unauthorized: unknown signing key' } };
const invalid: Answer = { status: 401, body: { error: 'Unauthorized: invalid token' } };
const unavailable: Answer = { status: 503, body: { error: 'signing keys unavailable, try again' } };

describe('authenticate with a JWKS endpoint', () => {
  it('refuses made-up key ids with 401 while cached keys keep working, fetching the keys once for all of them', async () => {
    const keys = await keyServer([a]);
    const api = await protectedApi({ jwksUri: keys.jwksUri, jwksRefetchMs: 60_000 });
    // A cold cache: every request, forged or not, waits on the same single fetch.
    const tokens = [
      ...Array.from({ length: 40 }, madeUp),
      ...Array.from({ length: 5 }, () => sign(a)),
    ];
    const first = await api.callAll(tokens);
    expect(first.slice(0, 40)).toEqual(Array(40).fill(unknownKey));
    expect(first.slice(40)).toEqual(Array(5).fill(ok));
    expect(keys.requests).toBe(1);
    // Within the interval, made-up key ids cost the key server nothing.
    const again = await api.callAll([...Array.from({ length: 40 }, madeUp), sign(a)]);
    expect(again).toEqual([...Array(40).fill(unknownKey), ok]);
    expect(keys.requests).toBe(1);
  });

  it('refetches for an unknown key id at most once per interval, one fetch shared by concurrent requests', async () => {
    const keys = await keyServer([a]);
    const api = await protectedApi({ jwksUri: keys.jwksUri, jwksRefetchMs: 1_000 });
    expect(await api.call(sign(a))).toEqual(ok);
    expect(await api.callAll(Array.from({ length: 10 }, madeUp))).toEqual(
      Array(10).fill(unknownKey),
    );
    expect(keys.requests).toBe(1);
    await sleep(1_100);
    expect(await api.callAll(Array.from({ length: 40 }, madeUp))).toEqual(
      Array(40).fill(unknownKey),
    );
    expect(keys.requests).toBe(2);
  });

  it('accepts a key published after the first fetch (a rotation) within the refetch interval, made-up key ids or not', async () => {
    const keys = await keyServer([a]);
    const refetchMs = 300;
    const api = await protectedApi({ jwksUri: keys.jwksUri, jwksRefetchMs: refetchMs });
    expect(await api.call(sign(a))).toEqual(ok);
    // Made-up key ids first, as when jwks-rsa's rate limit tripped and the rotated key got 503.
    expect(await api.callAll(Array.from({ length: 40 }, madeUp))).toEqual(
      Array(40).fill(unknownKey),
    );
    keys.publish([a, b]);
    const rotatedAt = Date.now();
    let answer: Answer;
    do {
      const [mine] = await api.callAll([sign(b), ...Array.from({ length: 40 }, madeUp)]);
      answer = mine!;
      if (answer.status !== 200) {
        expect(answer).toEqual(unknownKey);
        await sleep(50);
      }
    } while (answer.status !== 200 && Date.now() - rotatedAt < refetchMs + 2_000);
    expect(answer).toEqual(ok);
    expect(Date.now() - rotatedAt).toBeLessThan(refetchMs + 1_000);
    expect(await api.call(sign(a))).toEqual(ok);
  });

  it('refreshes the keys in the background: a key withdrawn upstream goes, a failed refresh keeps them', async () => {
    const keys = await keyServer([a, b]);
    const api = await protectedApi({
      jwksUri: keys.jwksUri,
      jwksRefetchMs: 60_000,
      jwksRefreshMs: 200,
    });
    // One token, sent again and again: verified once, then honoured while its key is.
    const tokenOfA = sign(a);
    expect(await api.callAll([tokenOfA, sign(b), tokenOfA])).toEqual([ok, ok, ok]);
    keys.publish([b]);
    await sleep(250);
    // Served from the cache while the refresh runs, then refused once it is done.
    expect(await api.call(sign(a))).toEqual(ok);
    let answer: Answer = ok;
    for (let i = 0; i < 40 && answer.status === 200; i++) {
      await sleep(25);
      answer = await api.call(sign(a));
    }
    expect(answer).toEqual(unknownKey);
    expect(await api.call(tokenOfA)).toEqual(unknownKey);

    // The key server goes away: refreshes fail, the keys held stay.
    await keys.close();
    keyServers.splice(keyServers.indexOf(keys), 1);
    await sleep(250);
    expect(await api.call(sign(b))).toEqual(ok); // starts a refresh that fails
    await sleep(250);
    expect(await api.callAll([sign(b), sign(b)])).toEqual([ok, ok]);
  });

  it('answers 503 when the key server cannot be read and the key is not cached', async () => {
    const closed = await startKeyServer([a]);
    await closed.close();
    const broken = [
      closed.jwksUri, // connection refused
      await rawServer((_req, res) => res.writeHead(500).end()),
      await rawServer((_req, res) =>
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"keys": '),
      ),
      await rawServer((_req, res) =>
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end('{"keys": [{"kty": "RSA", "kid": "key-a"}]}'),
      ),
      await rawServer(() => undefined), // never answers
    ];
    for (const jwksUri of broken) {
      const api = await protectedApi({ jwksUri, jwksRefetchMs: 60_000, jwksTimeoutMs: 500 });
      expect([jwksUri, await api.call(sign(a))]).toEqual([jwksUri, unavailable]);
      // Made-up key ids get the same answer: nothing tells them apart while the keys cannot be read.
      expect([jwksUri, await api.call(madeUp())]).toEqual([jwksUri, unavailable]);
    }
  });

  it('answers 503 when the key server’s TLS certificate is not trusted', async () => {
    const keys = await keyServer([a], { tls: selfSignedCertificate() });
    expect(keys.jwksUri).toMatch(/^https:/);
    const api = await protectedApi({ jwksUri: keys.jwksUri, jwksRefetchMs: 60_000 });
    expect(await api.call(sign(a))).toEqual(unavailable);
    expect(keys.requests).toBe(0);
  });

  it('keeps accepting cached keys while the key server is down', async () => {
    const keys = await keyServer([a]);
    const api = await protectedApi({ jwksUri: keys.jwksUri, jwksRefetchMs: 100 });
    expect(await api.call(sign(a))).toEqual(ok);
    await keys.close();
    keyServers.splice(keyServers.indexOf(keys), 1);
    await sleep(150);
    // An unknown key id makes it try the key server, which fails: the cached key still works.
    expect(await api.call(madeUp())).toEqual(unavailable);
    expect(await api.callAll([sign(a), sign(a)])).toEqual([ok, ok]);
  });

  it('checks algorithm, issuer, audience, expiry and a required exp, without echoing why', async () => {
    const keys = await keyServer([a]);
    const api = await protectedApi({ jwksUri: keys.jwksUri, jwksRefetchMs: 60_000 });
    const noExp = jwt.sign({ sub: 'auth0|alice' } satisfies jwt.JwtPayload, a.privateKey, {
      algorithm: 'RS256',
      keyid: a.kid,
      issuer,
      audience,
    });
    expect(jwt.decode(noExp)).not.toHaveProperty('exp');
    expect(await api.call(noExp)).toEqual(invalid);
    expect(await api.call(sign(a, {}, { audience: 'https://other.test' }))).toEqual(invalid);
    expect(await api.call(sign(a, {}, { issuer: 'https://other-issuer.test/' }))).toEqual(invalid);
    // The public key used as an HMAC secret: the classic algorithm confusion.
    const pem = a.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const hs256 = jwt.sign({ sub: 'auth0|alice' } satisfies jwt.JwtPayload, pem, {
      algorithm: 'HS256',
      keyid: a.kid,
      issuer,
      audience,
      expiresIn: '1h',
    });
    expect(await api.call(hs256)).toEqual(invalid);
    expect(await api.call(sign(a, { exp: Math.floor(Date.now() / 1000) - 60 }))).toEqual({
      status: 401,
      body: { error: 'Unauthorized: token expired' },
    });
    expect(await api.call(sign({ privateKey: b.privateKey, kid: a.kid }))).toEqual(invalid);
    expect(await api.call('not.a.token')).toEqual(invalid);
    const notJson = `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('nope').toString('base64url')}.x`;
    expect(await api.call(notJson)).toEqual(invalid);
    expect(await api.call()).toEqual({
      status: 401,
      body: { error: 'Unauthorized: no bearer token' },
    });
    expect(await api.call(undefined, `Basic ${sign(a)}`)).toEqual({
      status: 401,
      body: { error: 'Unauthorized: no bearer token' },
    });
    // No key id, one key published: that key (as before).
    expect(await api.call(sign({ privateKey: a.privateKey }))).toEqual(ok);
    expect(keys.requests).toBe(1);
  });
});

describe('authenticate with a fixed public key (development mode)', () => {
  it('accepts the dev issuer’s tokens and refuses those without exp', async () => {
    const publicKeyPem = a.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const api = await protectedApi({ publicKeyPem });
    expect(await api.call(sign(a))).toEqual(ok);
    expect(await api.call(sign(b))).toEqual(invalid);
    const noExp = jwt.sign({ sub: 'auth0|alice' } satisfies jwt.JwtPayload, a.privateKey, {
      algorithm: 'RS256',
      keyid: 'dev',
      issuer,
      audience,
    });
    expect(await api.call(noExp)).toEqual(invalid);
  });
});
