// Static checks of k8s/: nothing here can be applied (no cluster), so the tests build every
// kustomization with kustomize (deploy/kustomize.ts) and check what it produces against the
// schemas and against the code: its roles, the settings it reads, its health endpoints.
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  build,
  kustomizationDirs,
  readYamlDocuments,
  referencedFiles,
  type Built,
} from './kustomize';
import {
  natsDurationMs,
  natsSizeAtMost,
  natsString,
  parseNatsConf,
  quantityBytes,
  type NatsConf,
} from './natsConf';
import { containers, objectId, parseImage, podSpec, type K8sObject } from './objects';
import {
  appRoutes,
  configDefault,
  envVarsRead,
  healthPaths,
  read,
  REPO,
  repoFile,
  roles,
  sharedRoutes,
  workerShutdownGraceMs,
} from './repo';
import { typeCheck, validateWithSchemas } from './schema';

const IMAGE = 'devpie-client-backend';
const OVERLAYS = ['dev', 'prod', 'prod-jetstream'] as const;
type Overlay = (typeof OVERLAYS)[number];

/**
 * Settings the code reads that an environment may leave unset, with why. Every other variable the
 * code reads must reach every role, from the ConfigMap, the Secret or the container's env.
 */
const OPTIONAL: Record<string, string> = {
  STAN_CHANNEL_PREFIX: 'empty by default; tests and benchmarks isolate their channels with it',
  EVENT_LOG: 'stan by default; the prod-jetstream overlay sets jetstream',
  NATS_URL: 'JetStream only (EVENT_LOG=jetstream); the prod-jetstream overlay sets it',
  NATS_STREAM_REPLICAS: 'JetStream only; 1 by default, the prod-jetstream overlay sets 3',
  STAN_MONITOR_URL:
    'migrate-log only (an operator command, not a role): NATS Streaming monitoring, default port 8222 of STAN_URL',
  AUTH_ISSUER: 'derived from AUTH0_DOMAIN (or the dev issuer)',
  AUTH_JWKS_URI: 'derived from AUTH0_DOMAIN',
  AUTH_AUDIENCE: 'AUTH0_AUDIENCE is used when unset',
  AUTH0_DOMAIN: 'production (Auth0) only; development uses the dev issuer',
  AUTH0_AUDIENCE: 'production (Auth0) only; development uses the dev issuer',
  DEV_AUTH: 'development only; off unless "true"',
  DEV_AUTH_KEY_FILE: 'development only (the dev issuer key)',
  CORS_ORIGIN: 'defaults to *; production sets the frontend origin',
  TEMPORAL_UI_URL: 'only printed at start',
  NODE_ENV: 'set by the image (Dockerfile ENV)',
  SMTP_URL:
    'production (in the Secret); unset in development, where invitation mail is captured to files',
  MAIL_CAPTURE_DIR: 'only used without SMTP_URL (development)',
  STRIPE_SECRET_KEY:
    'Stripe is off without it (development); production sets it in the Secret (secrets.sample)',
  STRIPE_WEBHOOK_SECRET: 'goes with STRIPE_SECRET_KEY (both or neither); in the Secret',
  STRIPE_API_BASE: "tests only (stripe-mock); unset: Stripe's own API",
  TEMPORAL_METRICS_ADDRESS:
    "the Temporal worker only (roles/worker.patch.yaml): where the SDK's core serves its metrics",
  PGUSER: 'only read when DATABASE_URL names no user (then postgres if USER is unset too)',
  USER: 'only read when DATABASE_URL names no user and PGUSER is unset',
  COMPONENT_CACHE_STREAMS: 'unset: 10,000 streams kept in memory per component',
  COMPONENT_WRITERS:
    'unset: lease (one writer per category); shared is for JetStream, set in prod-jetstream if chosen',
  COMPONENT_HANDLED_WINDOW: 'unset: the last 100,000 handled command ids kept in memory',
  COMPONENT_SNAPSHOT_EVERY_MS: 'unset: a component flushes its snapshots every 5 s',
  COMPONENT_SNAPSHOT_EVERY_STREAMS: 'unset: or as soon as 1,000 streams changed',
  // Tracing is off unless a cluster points it at its collector (docs/operations.md, Tracing).
  OTEL_EXPORTER_OTLP_ENDPOINT: 'tracing on when set: the OTLP collector (unset: no tracing)',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'the same, for traces only',
  OTEL_SERVICE_NAME: 'unset: devpie-<roles>',
  OTEL_RESOURCE_ATTRIBUTES: 'extra resource attributes for every span',
  OTEL_LOGS_EXPORTER: 'unset: none (logs go to stdout as JSON, not over OTLP)',
  OTEL_SDK_DISABLED: 'true turns tracing off even with an endpoint',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'unset: http/protobuf (http/json, grpc)',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'the same, for traces only',
  OTEL_TRACES_EXPORTER:
    'unset: otlp, sent from its own thread; console, zipkin, none are the SDK’s',
  METRICS:
    'on unless "off", which only the bench sets (its observability stage measures their cost)',
};

/** Settings only one log's adapter reads: an overlay on the other log leaves them out. */
const LOG_ONLY: Record<string, { log: 'stan' | 'jetstream'; why: string }> = {
  STAN_URL: { log: 'stan', why: 'the NATS Streaming servers' },
  STAN_CLUSTER_ID: { log: 'stan', why: 'the NATS Streaming cluster id' },
};
const otherLog = (overlay: Overlay) => (logOf(overlay) === 'stan' ? 'jetstream' : 'stan');

/** Settings that are secrets: only ever in the Secret devpie-secrets (k8s/secrets.sample), never in a ConfigMap. */
const SECRETS = ['DATABASE_URL', 'SMTP_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'];

/** Bounded contexts (components/<context>); roles named `<context>-...` carry that context's label, the others `processes`. */
const CONTEXTS = readdirSync(repoFile('components'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const contextOf = (role: string): string =>
  CONTEXTS.includes(role.split('-')[0]!) ? role.split('-')[0]! : 'processes';

const ROLES = roles();
const built: Record<Overlay, Built[]> = {
  dev: build(repoFile('k8s/overlays/dev')),
  prod: build(repoFile('k8s/overlays/prod')),
  'prod-jetstream': build(repoFile('k8s/overlays/prod-jetstream')),
};
const objects = (overlay: Overlay, kind?: string): K8sObject[] =>
  built[overlay].map((b) => b.object).filter((o) => !kind || o.kind === kind);
const find = (overlay: Overlay, kind: string, name: string): K8sObject | undefined =>
  objects(overlay, kind).find((o) => o.metadata.name === name);
const fileOf = (overlay: Overlay, o: K8sObject): string =>
  built[overlay].find((b) => b.object === o)!.file;

/** The log an overlay's roles use (EVENT_LOG; platform/config.ts makes NATS Streaming the default). */
const logOf = (overlay: Overlay): string =>
  (find(overlay, 'ConfigMap', 'devpie-config')!.data as Record<string, string>).EVENT_LOG ?? 'stan';
const STAN_OVERLAYS = OVERLAYS.filter((o) => logOf(o) === 'stan');
const JETSTREAM_OVERLAYS = OVERLAYS.filter((o) => logOf(o) === 'jetstream');

type Json = Record<string, any>;
const mainContainer = (o: K8sObject): Json => (podSpec(o)!.containers as Json[])[0]!;
const usesOurImage = (o: K8sObject): boolean =>
  containers(o).some((c) => parseImage(String(c.image)).name.endsWith(IMAGE));
const roleDeployments = (overlay: Overlay): K8sObject[] =>
  objects(overlay, 'Deployment').filter(usesOurImage);
const roleOf = (o: K8sObject): string => (mainContainer(o).args as string[])[0]!;

/** The env a container gets: ConfigMaps and Secrets by envFrom (Secrets not in the build: secrets.sample), then env. */
function containerEnv(overlay: Overlay, c: Json): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of (c.envFrom as Json[] | undefined) ?? []) {
    if (from.configMapRef) {
      const cm = find(overlay, 'ConfigMap', from.configMapRef.name);
      if (!cm)
        throw new Error(`ConfigMap ${from.configMapRef.name} is not in the ${overlay} overlay`);
      for (const [k, v] of Object.entries((cm.data as Record<string, string>) ?? {})) env.set(k, v);
    }
    if (from.secretRef) {
      const secret = find(overlay, 'Secret', from.secretRef.name);
      const keys = secret
        ? Object.keys((secret.data as Record<string, string>) ?? {})
        : sampleSecretKeys(from.secretRef.name);
      for (const k of keys)
        env.set(
          k,
          secret
            ? Buffer.from((secret.data as Record<string, string>)[k]!, 'base64').toString()
            : '<secret>',
        );
    }
  }
  for (const e of (c.env as Json[] | undefined) ?? [])
    env.set(e.name, e.value ?? '<from valueFrom>');
  return env;
}

/**
 * The NATS Streaming StatefulSet's pods as Kubernetes names them (`<name>-<ordinal>`), each with
 * its args as the container gets them: `$(VAR)` expanded from its env, the pod name included.
 */
function stanNodes(overlay: Overlay) {
  const sts = find(overlay, 'StatefulSet', 'nats-streaming')!;
  const spec = sts.spec as Json;
  const c = mainContainer(sts);
  const pods = Array.from(
    { length: (spec.replicas as number | undefined) ?? 1 },
    (_, i) => `${sts.metadata.name}-${i}`,
  );
  const argsOf = (pod: string): string[] => {
    const env = new Map<string, string>();
    for (const e of (c.env as Json[] | undefined) ?? [])
      env.set(e.name, e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' ? pod : e.value);
    return (c.args as string[]).map((a) =>
      a.replace(/\$\((\w+)\)/g, (m, v: string) => env.get(v) ?? m),
    );
  };
  return { sts, spec, container: c, pods, headless: spec.serviceName as string, argsOf };
}

/** k8s/secrets.sample: the keys of the Secret devpie-secrets, created outside the repository. */
function sampleSecretKeys(name: string): string[] {
  if (name !== 'devpie-secrets')
    throw new Error(`Secret ${name} is neither generated nor described in k8s/secrets.sample`);
  return sampleSecrets().map(([k]) => k);
}
const sampleSecrets = (): [string, string][] =>
  read('k8s', 'secrets.sample')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(repoFile(dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(repoFile(dir), f))
    .sort();
}

const KUSTOMIZATIONS = ['k8s/base', ...OVERLAYS.map((o) => `k8s/overlays/${o}`), 'k8s/temporal'];

describe('k8s: files and kustomizations', () => {
  it('every YAML file under k8s/ parses (no syntax error, no duplicate key)', () => {
    const files = yamlFilesUnder('k8s');
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(() => readYamlDocuments(f)).not.toThrow();
  });

  it('every kustomization names only files that exist, and every manifest is named by one', () => {
    const dirs = kustomizationDirs(repoFile('k8s'));
    expect(dirs.map((d) => relative(REPO, d))).toEqual(
      expect.arrayContaining([
        'k8s/base',
        'k8s/overlays/dev',
        'k8s/overlays/prod',
        'k8s/overlays/prod-jetstream',
        'k8s/temporal',
      ]),
    );
    const referenced = new Set(dirs.flatMap(referencedFiles));
    const missing = [...referenced].filter((f) => !existsFile(f)).map((f) => relative(REPO, f));
    expect(missing).toEqual([]);
    // Helm values are read by helm, not kustomize.
    const orphans = yamlFilesUnder('k8s').filter(
      (f) => !referenced.has(f) && !f.endsWith('values.prod.yaml'),
    );
    expect(orphans.map((f) => relative(REPO, f))).toEqual([]);
  });

  it.each(KUSTOMIZATIONS)('%s builds', (dir) => {
    expect(build(repoFile(dir)).length).toBeGreaterThan(0);
  });

  // `kubectl apply -k` builds with the kustomize compiled into kubectl, not the pinned one.
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  (kubectl.status === 0 ? it.each : it.skip.each)(KUSTOMIZATIONS)(
    '%s builds exactly as `kubectl kustomize` does (skipped without kubectl)',
    (dir) => {
      const run = spawnSync('kubectl', ['kustomize', repoFile(dir)], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const theirs = Object.fromEntries(
        parseAllDocuments(run.stdout)
          .map((d) => d.toJS() as K8sObject)
          .map((o) => [objectId(o), o]),
      );
      const ours = Object.fromEntries(
        build(repoFile(dir)).map(({ object }) => [objectId(object), object]),
      );
      expect(ours).toEqual(theirs);
    },
  );
});

describe.each(OVERLAYS)('k8s overlay %s', (overlay) => {
  const labelled = () =>
    objects(overlay).map((object) => ({ label: `${overlay}: ${objectId(object)}`, object }));

  it('every object validates against the Kubernetes JSON Schemas', () => {
    expect(validateWithSchemas(labelled())).toEqual([]);
  });

  it('every object type-checks against the Kubernetes API types (no unknown field)', () => {
    expect(typeCheck(REPO, labelled())).toEqual([]);
  });

  it('every role the code defines has exactly one Deployment, whose args name it', () => {
    expect(ROLES.length).toBeGreaterThan(0);
    const missing = ROLES.filter(
      (r) => roleDeployments(overlay).filter((d) => roleOf(d) === r).length !== 1,
    );
    expect(missing).toEqual([]);
  });

  it('every Deployment of the image runs a real role, and only that one', () => {
    for (const d of roleDeployments(overlay)) {
      const c = mainContainer(d);
      expect({ deployment: d.metadata.name, command: c.command, args: c.args }).toEqual({
        deployment: d.metadata.name,
        command: undefined,
        args: [roleOf(d)],
      });
      expect(ROLES).toContain(roleOf(d));
      expect(d.metadata.name).toBe(roleOf(d));
      expect(d.metadata.labels?.['app.kubernetes.io/part-of']).toBe('devpie-client');
      expect({ role: roleOf(d), context: d.metadata.labels?.['devpie.io/context'] }).toEqual({
        role: roleOf(d),
        context: contextOf(roleOf(d)),
      });
    }
  });

  it('single writers (components, projectors) run one replica with strategy Recreate, and say why', () => {
    for (const d of roleDeployments(overlay)) {
      const role = roleOf(d);
      const singleWriter = /-(component|projector)$/.test(role);
      const spec = d.spec as Json;
      if (singleWriter) expect(d.metadata.labels?.['devpie.io/single-writer']).toBe('true');
      if (d.metadata.labels?.['devpie.io/single-writer'] === 'true') {
        expect({ role, replicas: spec.replicas, strategy: spec.strategy }).toEqual({
          role,
          replicas: 1,
          strategy: { type: 'Recreate' },
        });
        const text = readFileSync(fileOf(overlay, d), 'utf8');
        expect(text).toMatch(/advisory lock/);
        expect(text).toMatch(/Recreate/);
      }
    }
  });

  it('the migrations Job runs `migrate` with the same config and secrets as the roles', () => {
    const jobs = objects(overlay, 'Job').filter(usesOurImage);
    expect(jobs.map((j) => mainContainer(j).args)).toEqual([['migrate']]);
    expect(read('main.ts')).toMatch(/args\[0\] === 'migrate'/);
    expect(mainContainer(jobs[0]!).envFrom).toEqual(
      mainContainer(roleDeployments(overlay)[0]!).envFrom,
    );
  });

  it('every setting the code reads reaches every role (or is documented as optional), and every key given is read', () => {
    const read = envVarsRead();
    expect([...read.keys()]).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'STAN_URL', 'PORT', 'SHUTDOWN_TIMEOUT_MS']),
    );
    for (const d of [
      ...roleDeployments(overlay),
      ...objects(overlay, 'Job').filter(usesOurImage),
    ]) {
      const env = containerEnv(overlay, mainContainer(d));
      const missing = [...read.keys()].filter(
        (name) =>
          !env.has(name) && !(name in OPTIONAL) && LOG_ONLY[name]?.log !== otherLog(overlay),
      );
      expect({ workload: d.metadata.name, missing }).toEqual({
        workload: d.metadata.name,
        missing: [],
      });
      const unknown = [...env.keys()].filter((name) => !read.has(name));
      expect({ workload: d.metadata.name, unknown }).toEqual({
        workload: d.metadata.name,
        unknown: [],
      });
    }
    // The list stays honest: everything in it is read by the code.
    expect(Object.keys(OPTIONAL).filter((name) => !read.has(name))).toEqual([]);
  });

  it('probes: readiness on /readyz, liveness and startup on /healthz, at the port the process listens on', () => {
    const served = healthPaths();
    expect(served).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    for (const d of roleDeployments(overlay)) {
      const c = mainContainer(d);
      const env = containerEnv(overlay, c);
      const port = Number(env.get('PORT') ?? configDefault('PORT'));
      const portOf = (p: number | string) =>
        typeof p === 'number' ? p : (c.ports as Json[]).find((x) => x.name === p)?.containerPort;
      expect({
        role: d.metadata.name,
        readiness: c.readinessProbe?.httpGet?.path,
        liveness: c.livenessProbe?.httpGet?.path,
        startup: c.startupProbe?.httpGet?.path,
      }).toEqual({
        role: d.metadata.name,
        readiness: '/readyz',
        liveness: '/healthz',
        startup: '/healthz',
      });
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        expect(served).toContain(probe.httpGet.path);
        expect(portOf(probe.httpGet.port)).toBe(port);
      }
    }
  });

  it('the grace period outlasts the preStop pause plus the graceful shutdown (SHUTDOWN_TIMEOUT_MS)', () => {
    for (const d of roleDeployments(overlay)) {
      const c = mainContainer(d);
      const shutdownMs = Number(
        containerEnv(overlay, c).get('SHUTDOWN_TIMEOUT_MS') ?? configDefault('SHUTDOWN_TIMEOUT_MS'),
      );
      const preStop = (c.lifecycle?.preStop?.exec?.command as string[] | undefined) ?? [];
      const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
      const graceMs = (podSpec(d)!.terminationGracePeriodSeconds as number) * 1000;
      expect({ role: d.metadata.name, enough: graceMs >= pauseMs + shutdownMs + 2000 }).toEqual({
        role: d.metadata.name,
        enough: true,
      });
      if (/-app$/.test(roleOf(d))) expect(pauseMs).toBeGreaterThan(0);
    }
  });

  it('every container has resource requests and limits, and runs as non-root', () => {
    for (const o of objects(overlay).filter((x) => podSpec(x))) {
      const pod = podSpec(o)!;
      for (const c of containers(o)) {
        const r = (c.resources ?? {}) as Json;
        expect({
          workload: objectId(o),
          requests: Boolean(r.requests?.cpu && r.requests?.memory),
          limits: Boolean(r.limits?.memory),
        }).toEqual({
          workload: objectId(o),
          requests: true,
          limits: true,
        });
        expect({
          workload: objectId(o),
          nonRoot: (pod.securityContext as Json | undefined)?.runAsNonRoot,
        }).toEqual({ workload: objectId(o), nonRoot: true });
      }
    }
  });

  it('Services select pods that exist and target ports those pods declare', () => {
    const workloads = objects(overlay).filter((o) => podSpec(o) && o.kind !== 'Job');
    for (const s of objects(overlay, 'Service')) {
      const spec = s.spec as Json;
      const pods = workloads.filter((w) =>
        Object.entries(spec.selector as Record<string, string>).every(
          ([k, v]) => ((w.spec as Json).template.metadata.labels as Json)[k] === v,
        ),
      );
      expect({ service: s.metadata.name, pods: pods.length > 0 }).toEqual({
        service: s.metadata.name,
        pods: true,
      });
      for (const port of spec.ports as Json[]) {
        const declared = pods.flatMap((p) =>
          containers(p).flatMap((c) => (c.ports as Json[] | undefined) ?? []),
        );
        const target = port.targetPort ?? port.port;
        expect({
          service: s.metadata.name,
          target,
          found: declared.some((d) => d.name === target || d.containerPort === target),
        }).toEqual({ service: s.metadata.name, target, found: true });
      }
    }
  });

  it('the Ingress routes to Services and ports that exist, with paths ingress-nginx reads as regular expressions', () => {
    const ingress = objects(overlay, 'Ingress');
    expect(ingress).toHaveLength(1);
    const routes = ingressRoutes(ingress[0]!);
    for (const { service, port } of routes) {
      const s = find(overlay, 'Service', service);
      expect({ service, exists: Boolean(s) }).toEqual({ service, exists: true });
      expect(
        ((s!.spec as Json).ports as Json[]).some((p) => p.name === port || p.port === port),
      ).toBe(true);
    }
    const annotations = ingress[0]!.metadata.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    for (const r of routes) {
      // Regex paths need ImplementationSpecific (ingress-nginx refuses them as Prefix or Exact);
      // Kubernetes takes RE2 only: no lookaround or backreference.
      expect({ path: r.path, pathType: r.pathType }).toEqual({
        path: r.path,
        pathType: 'ImplementationSpecific',
      });
      expect(r.path.startsWith('/')).toBe(true);
      expect(r.path).not.toMatch(/\(\?[=!<]|\\\d/);
      expect(() => new RegExp(r.path)).not.toThrow();
    }
    // Nothing in front of the apps rewrites paths or authenticates: the apps check tokens, and the
    // Stripe webhook must reach payments-app without one and with its body untouched.
    expect(
      Object.keys(annotations).filter((k) =>
        /\/(rewrite-target|auth-|configuration-snippet|server-snippet)/.test(k),
      ),
    ).toEqual([]);
  });

  it('the Ingress sends every route an app serves (apps/*/routes.ts) to that app, however its paths are sorted', () => {
    const ingress = objects(overlay, 'Ingress')[0]!;
    const orders = ingressOrders(ingress);
    const apps = ROLES.filter((r) => r.endsWith('-app'));
    const served = appRoutes();
    // Every app serves routes, and the webhook is among them.
    expect(apps.filter((a) => !served.some((r) => r.app === a))).toEqual([]);
    expect(served).toContainEqual({
      app: 'payments-app',
      method: 'POST',
      path: '/api/v1/payments/webhooks/stripe',
    });
    expect(
      served
        .filter((r) => r.path.startsWith('/api/v1/projects/') && r.app !== 'projects-app')
        .map((r) => r.app)
        .sort(),
    ).toEqual(expect.arrayContaining(['estimation-app', 'payments-app']));
    for (const { app, method, path } of served) {
      for (const sample of concretePaths(path)) {
        for (const [order, route] of Object.entries(orders)) {
          expect({ method, path: sample, order, service: route(sample) }).toEqual({
            method,
            path: sample,
            order,
            service: app,
          });
        }
      }
    }
    // What every app serves (command outcomes) reaches an app.
    for (const path of sharedRoutes()) {
      for (const sample of concretePaths(path))
        for (const route of Object.values(orders)) expect(apps).toContain(route(sample));
    }
    // Neighbours of the routes reach no app, or the one owning the prefix.
    expect(orders.manifest!('/api/v1')).toBeUndefined();
    expect(orders.manifest!('/api/v1/usersX')).toBeUndefined();
    expect(orders.manifest!(`/api/v1/projects/${SAMPLE_ID}/estimatesX`)).toBe('projects-app');
    expect(orders.manifest!(`/api/v1/projects/${SAMPLE_ID}/invoices/x`)).toBe('payments-app');
  });

  it('the process roles: dispatcher and workflow-worker reach Temporal on one task queue; the worker drains within the shutdown limit', () => {
    const byRole = (role: string) => roleDeployments(overlay).find((d) => roleOf(d) === role)!;
    const queues = ['dispatcher', 'workflow-worker'].map((role) => {
      expect(ROLES).toContain(role);
      const d = byRole(role);
      const env = containerEnv(overlay, mainContainer(d));
      for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'])
        expect({ role, key, set: Boolean(env.get(key)) }).toEqual({ role, key, set: true });
      // Stateless: no lease, so neither a single writer nor Recreate; nothing calls them (no Service).
      expect(d.metadata.labels?.['devpie.io/single-writer']).toBeUndefined();
      expect((d.spec as Json).strategy?.type).not.toBe('Recreate');
      const selecting = objects(overlay, 'Service').filter((s) =>
        Object.entries(((s.spec as Json).selector ?? {}) as Record<string, string>).every(
          ([k, v]) => ((d.spec as Json).template.metadata.labels as Json)[k] === v,
        ),
      );
      expect(selecting.map((s) => s.metadata.name)).toEqual([]);
      return env.get('TEMPORAL_TASK_QUEUE');
    });
    expect(queues[0]).toBe(queues[1]);
    // SIGTERM: the worker lets activities finish for shutdownGraceTime, then cancels them; that
    // and closing its connections must fit in SHUTDOWN_TIMEOUT_MS (which the grace period outlasts).
    const worker = byRole('workflow-worker');
    const shutdownMs = Number(
      containerEnv(overlay, mainContainer(worker)).get('SHUTDOWN_TIMEOUT_MS') ??
        configDefault('SHUTDOWN_TIMEOUT_MS'),
    );
    expect(workerShutdownGraceMs() + 5000).toBeLessThanOrEqual(shutdownMs);
    expect(readFileSync(fileOf(overlay, worker), 'utf8')).toMatch(/shutdownGraceTime/);
  });

  it('secrets are only in the Secret: never in a ConfigMap, and every one is in secrets.sample', () => {
    for (const cm of objects(overlay, 'ConfigMap')) {
      expect({
        configMap: cm.metadata.name,
        secrets: Object.keys((cm.data as Json | undefined) ?? {}).filter((k) =>
          SECRETS.includes(k),
        ),
      }).toEqual({ configMap: cm.metadata.name, secrets: [] });
    }
    expect(
      sampleSecrets()
        .map(([k]) => k)
        .sort(),
    ).toEqual([...SECRETS].sort());
  });

  it('no secret value is committed outside the development overlay', () => {
    if (overlay !== 'dev') expect(objects(overlay, 'Secret')).toEqual([]);
    for (const [key, value] of sampleSecrets())
      expect({ key, placeholder: /CHANGE_ME/.test(value) }).toEqual({ key, placeholder: true });
  });
});

describe.each(STAN_OVERLAYS)('k8s overlay %s on NATS Streaming', (overlay) => {
  it('NATS Streaming: a file store on a persistent volume, every channel limit off, the cluster id the roles use', () => {
    const sts = find(overlay, 'StatefulSet', 'nats-streaming')!;
    expect(sts).toBeDefined();
    const c = mainContainer(sts);
    const args = c.args as string[];
    const flag = (name: string) => args[args.indexOf(name) + 1];
    for (const limit of ['-mc', '-mm', '-mb', '-ma'])
      expect({ limit, value: flag(limit) }).toEqual({ limit, value: '0' });
    expect(flag('-st')).toBe('FILE');
    const claim = ((sts.spec as Json).volumeClaimTemplates as Json[]).map((t) => t.metadata.name);
    const mount = (c.volumeMounts as Json[]).find((m) => claim.includes(m.name))!;
    expect(flag('--dir')?.startsWith(`${mount.mountPath}/`)).toBe(true);
    const config = find(overlay, 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
    expect(flag('-cid')).toBe(config.STAN_CLUSTER_ID);
    // One server, or every node of a cluster: a Service, or one pod of the headless Service.
    const { pods } = stanNodes(overlay);
    for (const url of config.STAN_URL!.split(',').map((u) => new URL(u))) {
      const [first, headless] = url.hostname.split('.') as [string, string | undefined];
      const service = find(overlay, 'Service', headless ?? first);
      expect({ url: url.href, service: service?.metadata.name }).toEqual({
        url: url.href,
        service: headless ?? first,
      });
      if (headless) expect(pods).toContain(first);
      const ports = ((service!.spec as Json).ports as Json[]).map((p) => p.port);
      expect(ports).toContain(Number(url.port));
      expect(flag('-p')).toBe(url.port);
    }
  });
});

/** The JetStream StatefulSet of an overlay, its pods, and the nats.conf its nodes are started with. */
function jetstreamNodes(overlay: Overlay) {
  const sts = objects(overlay, 'StatefulSet').find((o) =>
    containers(o).some((c) => parseImage(String(c.image)).name === 'nats'),
  );
  if (!sts) throw new Error(`no StatefulSet of the nats image in the ${overlay} overlay`);
  const spec = sts.spec as Json;
  const container = mainContainer(sts);
  const args = container.args as string[];
  const confPath = args[args.indexOf('--config') + 1]!;
  // The file the server reads: a key of the ConfigMap mounted at its folder.
  const mount = (container.volumeMounts as Json[]).find((m) =>
    confPath.startsWith(`${String(m.mountPath)}/`),
  )!;
  const volume = (podSpec(sts)!.volumes as Json[]).find((v) => v.name === mount.name)!;
  const configMap = find(overlay, 'ConfigMap', volume.configMap.name);
  const text = (configMap?.data as Record<string, string> | undefined)?.[
    confPath.slice(String(mount.mountPath).length + 1)
  ];
  if (text === undefined)
    throw new Error(`${confPath} is in no ConfigMap of the ${overlay} overlay`);
  const pods = Array.from(
    { length: (spec.replicas as number | undefined) ?? 1 },
    (_, i) => `${sts.metadata.name}-${i}`,
  );
  const port = (name: string): number =>
    ((container.ports as Json[]).find((p) => p.name === name) ?? {}).containerPort;
  return {
    sts,
    spec,
    container,
    pods,
    headless: spec.serviceName as string,
    conf: parseNatsConf(text),
    text,
    port,
  };
}

/** A nats-server that knows the options nats.conf uses (2.10 or later), or null: the pinned one, else the machine's. */
function natsServerBinary(): string | null {
  for (const bin of [repoFile('.tools', 'nats-server'), 'nats-server']) {
    const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    const m = /v(\d+)\.(\d+)\./.exec(run.stdout ?? '');
    if (m && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 10))) return bin;
  }
  return null;
}

describe.each(JETSTREAM_OVERLAYS)('k8s overlay %s on JetStream', (overlay) => {
  const config = () => find(overlay, 'ConfigMap', 'devpie-config')!.data as Record<string, string>;

  it('is prod with the log swapped: nothing of NATS Streaming left, everything else of prod kept', () => {
    const stanObjects = objects(overlay).filter(
      (o) =>
        o.metadata.name.startsWith('nats-streaming') ||
        o.metadata.labels?.['app.kubernetes.io/name'] === 'nats-streaming' ||
        containers(o).some((c) => parseImage(String(c.image)).name === 'nats-streaming'),
    );
    expect(stanObjects.map(objectId)).toEqual([]);
    // Nothing refers to it either (a URL, a selector, a volume).
    expect(JSON.stringify(objects(overlay))).not.toMatch(/nats-streaming/);
    expect(Object.keys(config()).filter((k) => LOG_ONLY[k]?.log === 'stan')).toEqual([]);
    const kept = (o: K8sObject) => !stanObjects.includes(o) && !/nats-streaming/.test(objectId(o));
    const ids = new Set(objects(overlay).map(objectId));
    expect(
      objects('prod')
        .filter(kept)
        .map(objectId)
        .filter((id) => !ids.has(id)),
    ).toEqual([]);
  });

  it('the roles use JetStream: EVENT_LOG a value the code accepts, NATS_URL every node on the client port', () => {
    const accepted = /EVENT_LOGS\s*=\s*\[([^\]]*)\]/.exec(read('platform', 'config.ts'))![1]!;
    expect(accepted).toMatch(new RegExp(`'${config().EVENT_LOG}'`));
    expect(config().EVENT_LOG).toBe('jetstream');
    // The adapter splits NATS_URL on commas and gives the client every server.
    expect(read('platform', 'eventlog', 'jetstreamConnection.ts')).toMatch(
      /natsServers[\s\S]*?\.split\(','\)[\s\S]*?servers:\s*natsServers\(/,
    );
    const { pods, headless, port } = jetstreamNodes(overlay);
    const urls = config()
      .NATS_URL!.split(',')
      .map((u) => new URL(u.trim()));
    expect(urls.map((u) => u.protocol)).toEqual(pods.map(() => 'nats:'));
    expect(urls.map((u) => u.hostname).sort()).toEqual(pods.map((p) => `${p}.${headless}`));
    for (const u of urls) expect(Number(u.port)).toBe(port('client'));
    const service = find(overlay, 'Service', headless)!.spec as Json;
    expect(service.clusterIP).toBe('None');
    expect((service.ports as Json[]).map((p) => p.port)).toContain(port('client'));
    // Every role and the migrations Job get them (the ConfigMap they all read).
    for (const d of [
      ...roleDeployments(overlay),
      ...objects(overlay, 'Job').filter(usesOurImage),
    ]) {
      const env = containerEnv(overlay, mainContainer(d));
      expect({
        workload: d.metadata.name,
        log: env.get('EVENT_LOG'),
        url: env.get('NATS_URL'),
      }).toEqual({
        workload: d.metadata.name,
        log: 'jetstream',
        url: config().NATS_URL,
      });
    }
  });

  it('three nodes, each named after its pod, its store on its own volume, routes to every node', () => {
    const { spec, container, pods, headless, conf, port } = jetstreamNodes(overlay);
    expect(pods).toHaveLength(3);
    // The meta group elects no leader without two nodes up: the pods start together.
    expect(spec.podManagementPolicy).toBe('Parallel');
    // server_name from the pod name, which the env gives the server.
    expect(conf.server_name).toBe('$POD_NAME');
    expect(
      (container.env as Json[]).find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath,
    ).toBe('metadata.name');
    // Ports: what the server listens on is what the pod declares.
    expect(Number(conf.port)).toBe(port('client'));
    expect(Number(conf.http_port)).toBe(port('monitor'));
    const cluster = conf.cluster as NatsConf;
    expect(Number(cluster.port)).toBe(port('cluster'));
    expect(cluster.name).toBeTruthy();
    // Routes: every pod's own DNS name on the headless Service, which publishes them before the
    // pods are ready (the cluster forms before any is) and carries the route port.
    const routes = (cluster.routes as string[]).map((r) => new URL(r));
    expect(routes.map((r) => r.hostname).sort()).toEqual(pods.map((p) => `${p}.${headless}`));
    for (const r of routes) expect(Number(r.port)).toBe(port('cluster'));
    const service = find(overlay, 'Service', headless)!.spec as Json;
    expect(service.publishNotReadyAddresses).toBe(true);
    expect((service.ports as Json[]).map((p) => p.port)).toContain(port('cluster'));
    // The file store on the pod's own volume (a claim per pod), fsynced on every write, and
    // capped below the claim so a full log is refused before the disk fills.
    const js = conf.jetstream as NatsConf;
    const claims = (spec.volumeClaimTemplates as Json[]).map((t) => t.metadata.name);
    const own = (container.volumeMounts as Json[]).filter((m) => claims.includes(m.name));
    expect(
      own.filter((m) => natsString(js, 'store_dir').startsWith(`${m.mountPath}/`)),
    ).toHaveLength(1);
    expect(js.sync_interval).toBe('always');
    const claim = (spec.volumeClaimTemplates as Json[]).find(
      (t) => t.metadata.name === own[0]!.name,
    )!;
    expect(natsSizeAtMost(natsString(js, 'max_file_store'))).toBeLessThan(
      quantityBytes(claim.spec.resources.requests.storage),
    );
  });

  it('probes on the monitor port: startup on the full /healthz, readiness and liveness on lighter ones', () => {
    const { container, port } = jetstreamNodes(overlay);
    const probe = (p: Json) => ({ path: p.httpGet.path, port: p.httpGet.port });
    expect({
      startup: probe(container.startupProbe),
      readiness: probe(container.readinessProbe),
      liveness: probe(container.livenessProbe),
    }).toEqual({
      startup: { path: '/healthz', port: 'monitor' },
      readiness: { path: '/healthz?js-server-only=true', port: 'monitor' },
      liveness: { path: '/healthz?js-enabled-only=true', port: 'monitor' },
    });
    expect(port('monitor')).toBeGreaterThan(0);
    // Catching up after a restart can take minutes: the startup probe allows 15.
    const s = container.startupProbe as Json;
    expect(s.periodSeconds * s.failureThreshold).toBeGreaterThanOrEqual(15 * 60);
  });

  it('a drain or rollout takes one node at a time, in lame-duck mode, within the grace period', () => {
    const { sts, spec, container, conf } = jetstreamNodes(overlay);
    const budgets = objects(overlay, 'PodDisruptionBudget').filter((b) =>
      Object.entries((b.spec as Json).selector.matchLabels as Record<string, string>).every(
        ([k, v]) => spec.template.metadata.labels[k] === v,
      ),
    );
    expect(budgets).toHaveLength(1);
    expect((budgets[0]!.spec as Json).maxUnavailable).toBe(1);
    // The preStop hook signals the pid file the server writes, on a writable volume.
    const pidFile = natsString(conf, 'pid_file');
    expect(container.lifecycle.preStop.exec.command).toEqual([
      'nats-server',
      '--signal',
      `ldm=${pidFile}`,
    ]);
    const pidMount = (container.volumeMounts as Json[]).find((m) =>
      pidFile.startsWith(`${m.mountPath}/`),
    )!;
    expect(
      (podSpec(sts)!.volumes as Json[]).find((v) => v.name === pidMount.name)?.emptyDir,
    ).toBeDefined();
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const drainMs =
      natsDurationMs(natsString(conf, 'lame_duck_grace_period')) +
      natsDurationMs(natsString(conf, 'lame_duck_duration'));
    expect((podSpec(sts)!.terminationGracePeriodSeconds as number) * 1000).toBeGreaterThan(drainMs);
  });

  it('the official image, at the release the dev stack builds', () => {
    const { container } = jetstreamNodes(overlay);
    const version = /^NATS_SERVER_VERSION=([\d.]+)$/m.exec(read('scripts', 'dev-stack.sh'))![1];
    expect(container.image).toBe(`nats:${version}-alpine`);
  });

  const server = natsServerBinary();
  (server ? it : it.skip)(
    'nats-server accepts nats.conf (skipped without a nats-server 2.10 or later)',
    () => {
      const { text } = jetstreamNodes(overlay);
      const dir = mkdtempSync(join(realpathSync(tmpdir()), 'devpie-nats-conf-'));
      try {
        writeFileSync(join(dir, 'nats.conf'), text);
        const run = spawnSync(server!, ['-t', '-c', join(dir, 'nats.conf')], {
          encoding: 'utf8',
          env: { ...process.env, POD_NAME: 'nats-jetstream-0' },
          timeout: 30_000,
        });
        // It refuses an unknown field, a bad value, a missing variable; `-t` says so on stderr.
        expect({ status: run.status, said: run.stderr }).toEqual({
          status: 0,
          said: expect.stringMatching(/is valid/),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('k8s: environments', () => {
  it('each log is checked on the overlays that use it: NATS Streaming on dev and prod, JetStream on prod-jetstream', () => {
    expect({ stan: STAN_OVERLAYS, jetstream: JETSTREAM_OVERLAYS }).toEqual({
      stan: ['dev', 'prod'],
      jetstream: ['prod-jetstream'],
    });
  });

  it('dev: development auth, the dev issuer key mounted where DEV_AUTH_KEY_FILE points', () => {
    const config = find('dev', 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
    expect(config.DEV_AUTH).toBe('true');
    expect(config.AUTH0_DOMAIN).toBeUndefined();
    for (const d of roleDeployments('dev').filter((x) => roleOf(x).endsWith('-app'))) {
      const mounts = (mainContainer(d).volumeMounts as Json[]).filter((m) =>
        config.DEV_AUTH_KEY_FILE!.startsWith(`${m.mountPath}/`),
      );
      expect(mounts).toHaveLength(1);
      const volume = (podSpec(d)!.volumes as Json[]).find((v) => v.name === mounts[0]!.name)!;
      expect(volume.secret.secretName).toBe('devpie-dev-issuer');
    }
    // Tilt creates the Secret from .data/dev-issuer.pem.
    expect(read('Tiltfile')).toMatch(/create secret generic devpie-dev-issuer/);
  });

  it('prod: the log is clustered, three nodes with their own ids, stores and routes, and the roles are given every node', () => {
    const { spec, container, pods, headless, argsOf } = stanNodes('prod');
    expect(pods).toHaveLength(3);
    // A node elects no leader without a majority: the pods start together, not one by one.
    expect(spec.podManagementPolicy).toBe('Parallel');
    const flagOf = (args: string[], name: string) => args[args.indexOf(name) + 1]!;
    const nodes = pods.map((pod) => {
      const args = argsOf(pod);
      expect({ pod, clustered: args.includes('--clustered') }).toEqual({ pod, clustered: true });
      return {
        pod,
        id: flagOf(args, '--cluster_node_id'),
        peers: flagOf(args, '--cluster_peers').split(','),
        store: flagOf(args, '--dir'),
        raft: flagOf(args, '--cluster_log_path'),
        listen: new URL(flagOf(args, '--cluster')),
        routes: flagOf(args, '--routes')
          .split(',')
          .map((r) => new URL(r)),
      };
    });
    const ids = nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(pods.length);
    for (const n of nodes) expect([...n.peers].sort()).toEqual([...ids].sort());
    // Store and RAFT log on the pod's own volume (a claim per pod), apart from each other.
    const claims = ((spec.volumeClaimTemplates as Json[]) ?? []).map((t) => t.metadata.name);
    const own = ((container.volumeMounts as Json[]) ?? []).filter((m) => claims.includes(m.name));
    for (const n of nodes) {
      for (const dir of [n.store, n.raft])
        expect({ dir, onOwnVolume: own.some((m) => dir.startsWith(`${m.mountPath}/`)) }).toEqual({
          dir,
          onOwnVolume: true,
        });
      expect(n.store.startsWith(n.raft) || n.raft.startsWith(n.store)).toBe(false);
    }
    // Routes to every pod's own DNS name, on the port the nodes listen for routes on.
    const routePort = ((container.ports as Json[]) ?? []).find((p) => p.name === 'cluster')!;
    const service = find('prod', 'Service', headless)!.spec as Json;
    expect(service.clusterIP).toBe('None');
    expect(service.publishNotReadyAddresses).toBe(true);
    expect((service.ports as Json[]).find((p) => p.port === routePort.containerPort)).toBeDefined();
    for (const n of nodes) {
      expect(n.listen.port).toBe(String(routePort.containerPort));
      expect(n.routes.map((r) => r.hostname).sort()).toEqual(pods.map((p) => `${p}.${headless}`));
      for (const r of n.routes) expect(r.port).toBe(String(routePort.containerPort));
    }
    // Every role is given every node.
    const config = find('prod', 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
    const urls = config.STAN_URL!.split(',').map((u) => new URL(u));
    expect(urls.map((u) => u.hostname).sort()).toEqual(pods.map((p) => `${p}.${headless}`));
    // A drain takes at most one node: two of three keep the majority.
    const budget = find('prod', 'PodDisruptionBudget', 'nats-streaming')!.spec as Json;
    expect(budget.minAvailable).toBe(Math.floor(pods.length / 2) + 1);
    expect(budget.selector.matchLabels).toEqual(spec.selector.matchLabels);
  });

  it('dev: the log keeps one node, and the roles one URL', () => {
    const { pods, argsOf } = stanNodes('dev');
    expect(pods).toHaveLength(1);
    expect(argsOf(pods[0]!)).not.toContain('--clustered');
    const config = find('dev', 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
    expect(config.STAN_URL!.split(',')).toHaveLength(1);
  });

  it.each(['prod', 'prod-jetstream'] as const)(
    '%s: Auth0 configured, development auth off, the image from a registry',
    (overlay) => {
      const config = find(overlay, 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
      expect(config.AUTH0_DOMAIN).toBeTruthy();
      expect(config.AUTH0_AUDIENCE).toBeTruthy();
      expect(config.DEV_AUTH).toBeUndefined();
      // Invitations are mailed, not captured to the (read-only) file system.
      expect(sampleSecrets().map(([k]) => k)).toContain('SMTP_URL');
      for (const d of roleDeployments(overlay))
        expect(parseImage(String(mainContainer(d).image))).toMatchObject({
          name: expect.stringMatching(/\/devpie-client-backend$/),
          tag: expect.any(String),
        });
    },
  );

  it('dev: the API gateway routes exactly as the Ingress does', () => {
    const conf = (find('dev', 'ConfigMap', 'api-gateway')!.data as Record<string, string>)[
      'default.conf'
    ]!;
    // nginx: the first regex location that matches, in order (`~*`: case-insensitive).
    const locations = [
      ...conf.matchAll(/location (~\*?) (\S+) \{ proxy_pass http:\/\/([\w-]+); \}/g),
    ].map((m) => ({
      re: new RegExp(m[2]!, m[1] === '~*' ? 'i' : ''),
      service: m[3]!,
    }));
    expect(locations.length).toBeGreaterThan(0);
    const viaGateway = (path: string) => locations.find((l) => l.re.test(path))?.service;
    const viaIngress = ingressOrders(objects('dev', 'Ingress')[0]!).nginx!;
    const samples = [...appRoutes().map((r) => r.path), ...sharedRoutes()]
      .flatMap(concretePaths)
      .flatMap((p) => [p, p.toUpperCase(), `${p}x`, `${p}/x/y`])
      .concat([
        '/api/v1',
        '/api/v1/',
        '/api/v1/other',
        '/healthz',
        '/',
        `/api/v1/projects/${SAMPLE_ID}/estimatesX`,
        '/api/v1/projects/columns/x',
      ]);
    for (const path of samples)
      expect({ path, service: viaGateway(path) }).toEqual({ path, service: viaIngress(path) });
  });

  it('Temporal: the dev server and the production chart use the namespace and search attributes the backend expects', () => {
    const devConfig = find('dev', 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
    const server = find('dev', 'StatefulSet', 'temporal')!;
    const args = mainContainer(server).args as string[];
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    const values = (flag: string) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
    expect(values('--namespace')).toContain(devConfig.TEMPORAL_NAMESPACE);
    const stack = /SEARCH_ATTRIBUTES=\(([^)]*)\)/
      .exec(read('scripts', 'dev-stack.sh'))![1]!
      .split(/\s+/)
      .filter(Boolean);
    expect(values('--search-attribute').sort()).toEqual([...stack].sort());
    expect(stack.map((s) => s.split('=')[0]).sort()).toEqual([
      'EstimateId',
      'InvoiceId',
      'ProjectId',
    ]);
    const [host, port] = devConfig.TEMPORAL_ADDRESS!.split(':');
    expect(
      ((find('dev', 'Service', host!)!.spec as Json).ports as Json[]).map((p) => p.port),
    ).toContain(Number(port));

    // Production: the Helm release `temporal` in namespace `temporal` creates the namespace; the
    // Job registers the same attributes.
    const prodConfig = find('prod', 'ConfigMap', 'devpie-config')!.data as Record<string, string>;
    expect(prodConfig.TEMPORAL_ADDRESS).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    const [helmValues] = readYamlDocuments(repoFile('k8s/temporal/values.prod.yaml')) as Json[];
    expect(helmValues!.server.config.namespaces.namespace.map((n: Json) => n.name)).toContain(
      prodConfig.TEMPORAL_NAMESPACE ?? devConfig.TEMPORAL_NAMESPACE,
    );
    const job = build(repoFile('k8s/temporal')).find((b) => b.object.kind === 'Job')!.object;
    const jobArgs = mainContainer(job).args as string[];
    const pairs = jobArgs.flatMap((a, i) =>
      jobArgs[i - 1] === '--name' ? [`${a}=${jobArgs[i + 2]}`] : [],
    );
    expect(pairs.sort()).toEqual([...stack].sort());
    expect(jobArgs[jobArgs.indexOf('--address') + 1]).toBe(prodConfig.TEMPORAL_ADDRESS);
  });
});

function ingressRoutes(
  ingress: K8sObject,
): { path: string; pathType: string; service: string; port: string | number }[] {
  return ((ingress.spec as Json).rules as Json[]).flatMap((rule) =>
    (rule.http.paths as Json[]).map((p) => ({
      path: p.path,
      pathType: p.pathType,
      service: p.backend.service.name,
      port: p.backend.service.port.name ?? p.backend.service.port.number,
    })),
  );
}

/**
 * Where the Ingress sends a path, as ingress-nginx does: with use-regex every path is a
 * case-insensitive regular expression anchored at the start (`location ~* "^<path>"`), and nginx
 * takes the first that matches. ingress-nginx writes them longest first (`nginx`); the routing
 * must be the same in the manifest's order (`manifest`) and whichever way equal lengths fall
 * (`nginxTiesReversed`), so it never depends on the sort. Without use-regex: Prefix semantics
 * (the longest prefix matching whole segments).
 */
function ingressOrders(ingress: K8sObject): Record<string, (path: string) => string | undefined> {
  const routes = ingressRoutes(ingress);
  if (ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/use-regex'] !== 'true') {
    const byPrefix = (path: string) =>
      routes
        .filter((r) => path === r.path || path.startsWith(`${r.path}/`))
        .sort((a, b) => b.path.length - a.path.length)[0]?.service;
    return { manifest: byPrefix, nginx: byPrefix, nginxTiesReversed: byPrefix };
  }
  const compiled = routes.map((r, i) => ({ ...r, i, re: new RegExp(`^${r.path}`, 'i') }));
  const first = (list: typeof compiled) => (path: string) =>
    list.find((r) => r.re.test(path))?.service;
  return {
    manifest: first(compiled),
    nginx: first([...compiled].sort((a, b) => b.path.length - a.path.length || a.i - b.i)),
    nginxTiesReversed: first(
      [...compiled].sort((a, b) => b.path.length - a.path.length || b.i - a.i),
    ),
  };
}

const SAMPLE_ID = '0b9d7e52-3c1f-5a4e-9d2b-6f8a1c3e5d70';

/** A route template as requests reach it: parameters filled with an id, with and without a trailing slash. */
function concretePaths(template: string): string[] {
  const path = template.replace(/:\w+/g, SAMPLE_ID);
  return [path, `${path}/`];
}

function existsFile(f: string): boolean {
  try {
    readFileSync(f);
    return true;
  } catch {
    return false;
  }
}
