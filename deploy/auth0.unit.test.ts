// Static checks of auth0/ (nothing can be imported into a tenant here): the tenant file has the
// structure the Auth0 Deploy CLI reads (YAML format), every keyword has a value in the sample
// config, the Action's code exists and sets the claims the API reads.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { build } from './kustomize';
import { NAMESPACE, ROLES_CLAIM } from '../platform/auth/jwt';
import { read, repoFile } from './repo';

type Json = Record<string, any>;

const config = JSON.parse(read('auth0', 'config.sample.json')) as Json;
const mappings = config.AUTH0_KEYWORD_REPLACE_MAPPINGS as Record<string, unknown>;
const raw = read('auth0', 'tenant.yaml');

/** The Deploy CLI's keyword replacement: @@KEY@@ (quoted or not) becomes JSON, ##KEY## the text. */
function replaceKeywords(text: string): string {
  for (const [key, value] of Object.entries(mappings)) {
    text = text.replace(new RegExp(`'@@${key}@@'|"@@${key}@@"|@@${key}@@`, 'g'), () =>
      JSON.stringify(value),
    );
    text = text.replace(new RegExp(`##${key}##`, 'g'), () => String(value));
  }
  return text;
}

const tenant = parse(replaceKeywords(raw), { uniqueKeys: true }) as Json;

describe('auth0/tenant.yaml', () => {
  it('every keyword has a value in config.sample.json, and only keywords the file uses are there', () => {
    const used = new Set([...raw.matchAll(/(?:@@|##)(\w+)(?:@@|##)/g)].map((m) => m[1]!));
    expect([...used].filter((k) => !(k in mappings))).toEqual([]);
    expect(Object.keys(mappings).filter((k) => !used.has(k))).toEqual([]);
    expect(replaceKeywords(raw)).not.toMatch(/@@\w+@@|##\w+##/);
    for (const key of ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET'])
      expect(typeof config[key]).toBe('string');
    expect(config.AUTH0_ALLOW_DELETE).toBe(false);
  });

  it('only holds resource types the Deploy CLI manages', () => {
    expect(Object.keys(tenant).sort()).toEqual([
      'actions',
      'clientGrants',
      'clients',
      'resourceServers',
      'roles',
      'triggers',
    ]);
  });

  it('declares the API the backend verifies tokens for: RS256, the audience the prod config uses', () => {
    expect(tenant.resourceServers).toHaveLength(1);
    const api = tenant.resourceServers[0];
    expect(api).toMatchObject({
      name: expect.any(String),
      identifier: mappings.API_AUDIENCE,
      signing_alg: 'RS256',
    });
    const prod = build(repoFile('k8s/overlays/prod')).find(
      (b) => b.object.kind === 'ConfigMap' && b.object.metadata.name === 'devpie-config',
    )!.object;
    expect((prod.data as Json).AUTH0_AUDIENCE).toBe(mappings.API_AUDIENCE);
    expect((prod.data as Json).AUTH0_DOMAIN).toBe(mappings.AUTH0_DOMAIN);
  });

  it('has the SPA client for the frontend and an M2M client for the backend, with a Management API grant', () => {
    const clients = tenant.clients as Json[];
    for (const c of clients) expect(c.name).toMatch(/^[^<>]+$/);
    const spa = clients.filter((c) => c.app_type === 'spa');
    expect(spa).toHaveLength(1);
    expect(spa[0]).toMatchObject({
      token_endpoint_auth_method: 'none',
      grant_types: expect.arrayContaining(['authorization_code']),
      jwt_configuration: { alg: 'RS256' },
    });
    for (const list of ['callbacks', 'allowed_logout_urls', 'web_origins', 'allowed_origins'])
      expect(Array.isArray(spa[0]![list])).toBe(true);
    const m2m = clients.filter((c) => c.app_type === 'non_interactive');
    expect(m2m).toHaveLength(1);
    expect(m2m[0]!.grant_types).toEqual(['client_credentials']);
    const grants = tenant.clientGrants as Json[];
    for (const g of grants) {
      expect(clients.map((c) => c.name)).toContain(g.client_id); // the Deploy CLI resolves client names
      expect(typeof g.audience).toBe('string');
      expect(new Set(g.scope).size).toBe(g.scope.length);
    }
    expect(grants.find((g) => g.client_id === m2m[0]!.name)?.audience).toBe(
      `https://${String(mappings.AUTH0_DOMAIN)}/api/v2/`,
    );
  });

  it('has the roles freelancer and client', () => {
    expect((tenant.roles as Json[]).map((r) => r.name).sort()).toEqual(['client', 'freelancer']);
    for (const r of tenant.roles as Json[]) expect(Array.isArray(r.permissions)).toBe(true);
  });

  it('has a post-login Action whose code exists, bound to the post-login trigger', () => {
    const actions = tenant.actions as Json[];
    for (const a of actions) {
      expect(a).toMatchObject({
        name: expect.any(String),
        code: expect.any(String),
        supported_triggers: expect.any(Array),
      });
      // The Deploy CLI reads the code relative to the tenant file's folder.
      const file = join(repoFile('auth0'), a.code);
      expect(file.startsWith(repoFile('auth0'))).toBe(true);
      expect(existsSync(file)).toBe(true);
      for (const d of a.dependencies ?? [])
        expect(Object.keys(d).every((k) => ['name', 'version', 'registry_url'].includes(k))).toBe(
          true,
        );
    }
    const postLogin = actions.filter((a) =>
      a.supported_triggers.some((t: Json) => t.id === 'post-login'),
    );
    expect(postLogin).toHaveLength(1);
    expect(postLogin[0]!.supported_triggers).toEqual([{ id: 'post-login', version: 'v3' }]);
    expect(tenant.triggers['post-login'].map((t: Json) => t.action_name)).toEqual([
      postLogin[0]!.name,
    ]);
    for (const [trigger, bindings] of Object.entries(tenant.triggers as Record<string, Json[]>)) {
      for (const b of bindings)
        expect({ trigger, action: actions.some((a) => a.name === b.action_name) }).toEqual({
          trigger,
          action: true,
        });
    }
  });

  it('the Action puts the roles claim the API reads into both tokens, and email into the access token', async () => {
    const action = (tenant.actions as Json[])[0]!;
    const source = readFileSync(join(repoFile('auth0'), action.code), 'utf8');
    const module = { exports: {} as Json };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the Action's source runs as Auth0 runs it: a CommonJS module body, here with a require that refuses
    new Function('exports', 'module', 'require', source)(module.exports, module, () => {
      throw new Error('the Action requires nothing');
    });
    const run = async (event: Json) => {
      const claims = { idToken: {} as Json, accessToken: {} as Json };
      const api = {
        idToken: { setCustomClaim: (k: string, v: unknown) => (claims.idToken[k] = v) },
        accessToken: { setCustomClaim: (k: string, v: unknown) => (claims.accessToken[k] = v) },
      };
      await module.exports.onExecutePostLogin(event, api);
      return claims;
    };
    const withEmail = await run({
      user: { email: 'ada@example.com', email_verified: true },
      authorization: { roles: ['freelancer'] },
    });
    expect(withEmail.accessToken).toEqual({
      [ROLES_CLAIM]: ['freelancer'],
      [`${NAMESPACE}email`]: 'ada@example.com',
      [`${NAMESPACE}email_verified`]: true,
    });
    const unverified = await run({
      user: { email: 'eve@example.com' },
      authorization: { roles: [] },
    });
    expect(unverified.accessToken[`${NAMESPACE}email_verified`]).toBe(false);
    expect(withEmail.idToken).toEqual({ [ROLES_CLAIM]: ['freelancer'] });
    const bare = await run({ user: {}, authorization: undefined });
    expect(bare.accessToken).toEqual({ [ROLES_CLAIM]: [] });
  });
});
