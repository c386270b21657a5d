/**
 * Every token the HTTP stages send, signed by the dev issuer before the system under test starts
 * (signing thousands of spread users takes seconds of CPU the system should not share).
 */
import { devIssuer } from '../../platform/auth/devIssuer';
import { loadConfig } from '../../platform/config';
import type { Party } from '../approvals';
import { log, now, round } from '../util';
import type { RunContext } from './context';

export interface Caller {
  sub: string;
  token: string;
}

export interface Tokens {
  /** Users stage: new users, by workload (`warmup`, `spread<clients>`). */
  spread: Record<string, Caller[]>;
  /** Users stage: one user per hot workload (`warmup`, then the client counts), registered first. */
  hotUsers: Array<Caller & { key: string }>;
  /** Boards stage: the one user who owns every board. */
  boardOwner: Caller;
  /** Approvals stage: the estimate owner, and one client (by email) per project. */
  estimateOwner: Party;
  estimateClients: Party[];
}

export const benchEmail = (sub: string): string => `${sub.replace(/\W/g, '')}@bench.example`;

export function signTokens(run: RunContext): Tokens {
  const { runId, settings } = run;
  const unset = new Set([
    'AUTH0_DOMAIN',
    'AUTH0_AUDIENCE',
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
    'AUTH_JWKS_URI',
  ]);
  const authEnv: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries({ ...process.env, DEV_AUTH: 'true' }).filter(([k]) => !unset.has(k)),
  );
  const auth = loadConfig(authEnv).auth;
  const issuer = devIssuer(auth.devKeyFile, auth.issuer, auth.audience);
  const tSign = now();
  const subsFor = (wl: string, n: number) =>
    Array.from({ length: n }, (_, i) => `bench|${runId}-${wl}-${i}`);
  const spread: Record<string, Caller[]> = {};
  for (const [wl, n] of (run.on('users')
    ? [
        ['warmup', settings.warmupRequests],
        ...settings.clients.map((c) => [`spread${c}`, settings.spreadCap[c] ?? 4_500]),
      ]
    : []) as Array<[string, number]>) {
    spread[wl] = subsFor(wl, n).map((sub) => ({
      sub,
      token: issuer.sign({ sub, email: benchEmail(sub), email_verified: true }),
    }));
  }
  const hotUsers = ['warmup', ...settings.clients.map(String)].map((k) => {
    const sub = `bench|${runId}-hot-${k}`;
    return { key: k, sub, token: issuer.sign({ sub }) };
  });
  const party = (name: string): Party => {
    const sub = `bench|${runId}-${name}`;
    const email = benchEmail(sub);
    return { sub, email, token: issuer.sign({ sub, email, email_verified: true }) };
  };
  const boards = party('boards');
  const tokens = {
    spread,
    hotUsers,
    boardOwner: { sub: boards.sub, token: boards.token },
    estimateOwner: party('estimates'),
    estimateClients: Array.from({ length: 4 }, (_, k) => party(`client${k}`)),
  };
  log('tokens signed', { seconds: round((now() - tSign) / 1000, 1) });
  return tokens;
}
