// Static checks of k8s/monitoring (the PodMonitor, the alerts, the Grafana dashboard): nothing
// here can be applied, and the Prometheus Operator's kinds are not in kubernetes-models, so they
// are held to schemas of the fields we use (from the operator's CRDs, unknown fields refused), and
// every PromQL expression to the metrics the code exports.
import { readFileSync } from 'node:fs';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { build } from './kustomize';
import { containers, objectId, podSpec, type K8sObject } from './objects';
import { read, repoFile } from './repo';
import { typeCheck, validateWithSchemas } from './schema';
import { registry, seriesNames } from '../platform/metrics/registry';
import { TEMPORAL_METRICS } from '../platform/temporal/metrics';

type Json = Record<string, any>;

const Strict = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false });
const Labels = Type.Record(Type.String(), Type.String());
const Metadata = Strict({
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  labels: Type.Optional(Labels),
  annotations: Type.Optional(Labels),
});
const Duration = Type.String({ pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' });

/** monitoring.coreos.com/v1 PodMonitor, the fields we use. */
const PodMonitor = Strict({
  apiVersion: Type.Literal('monitoring.coreos.com/v1'),
  kind: Type.Literal('PodMonitor'),
  metadata: Metadata,
  spec: Strict({
    selector: Strict({ matchLabels: Labels }),
    podMetricsEndpoints: Type.Array(
      Strict({ port: Type.String(), path: Type.String(), interval: Duration }),
      { minItems: 1 },
    ),
  }),
});

/** monitoring.coreos.com/v1 PrometheusRule: alerts only, each with a severity and a runbook. */
const PrometheusRule = Strict({
  apiVersion: Type.Literal('monitoring.coreos.com/v1'),
  kind: Type.Literal('PrometheusRule'),
  metadata: Metadata,
  spec: Strict({
    groups: Type.Array(
      Strict({
        name: Type.String({ minLength: 1 }),
        rules: Type.Array(
          Strict({
            alert: Type.String({ pattern: '^Devpie[A-Za-z]+$' }),
            expr: Type.String({ minLength: 1 }),
            for: Type.Optional(Duration),
            labels: Strict({
              severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
            }),
            annotations: Strict({
              summary: Type.String({ minLength: 1 }),
              description: Type.String({ minLength: 1 }),
              runbook: Type.String({ pattern: '^docs/operations\\.md#[a-z0-9-]+$' }),
            }),
          }),
          { minItems: 1 },
        ),
      }),
      { minItems: 1 },
    ),
  }),
});

const problems = (schema: TSchema, o: K8sObject): string[] =>
  [...Value.Errors(schema, o)].map((e) => `${objectId(o)} ${e.path}: ${e.message}`);

// PromQL's functions and aggregations, and its keywords: any other name is a metric's.
const FUNCTIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'histogram_quantile',
  'abs',
  'absent',
  'absent_over_time',
  'changes',
  'resets',
  'clamp_min',
  'clamp_max',
  'max_over_time',
  'min_over_time',
  'avg_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'quantile_over_time',
  'time',
  'vector',
  'scalar',
  'label_replace',
  'label_join',
  'round',
  'ceil',
  'floor',
  'sort',
  'sort_desc',
  'timestamp',
]);
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);

/**
 * The metric names a PromQL expression reads. Strings, label matchers, ranges, label lists and
 * Grafana's variables are removed first; what is left is functions (followed by a parenthesis,
 * which must be PromQL's), keywords, numbers and metric names.
 */
export function metricNames(expr: string): { metrics: string[]; unknownFunctions: string[] } {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const metrics = new Set<string>();
  const unknownFunctions = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])[a-zA-Z_:][\w:]*/g)) {
    const name = m[0];
    const after = bare.slice((m.index ?? 0) + name.length).trimStart();
    if (KEYWORDS.has(name)) continue;
    if (after.startsWith('(')) {
      if (!FUNCTIONS.has(name)) unknownFunctions.add(name);
    } else metrics.add(name);
  }
  return { metrics: [...metrics], unknownFunctions: [...unknownFunctions] };
}

const built = build(repoFile('k8s/monitoring'));
const objects = built.map((b) => b.object);
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const rules = (): Json[] =>
  ofKind('PrometheusRule').flatMap((r) => (r.spec as Json).groups.flatMap((g: Json) => g.rules));
const dashboard = (): Json =>
  JSON.parse(readFileSync(repoFile('k8s/monitoring/dashboards/devpie.json'), 'utf8'));
const panels = (): Json[] => dashboard().panels.filter((p: Json) => p.type !== 'row');

let exported: Set<string>;
let families: string[];
beforeAll(async () => {
  exported = new Set([...(await seriesNames()), ...TEMPORAL_METRICS]);
  families = (await registry.getMetricsAsJSON()).map((f) => f.name);
});

describe('k8s/monitoring', () => {
  it('builds into one PodMonitor, one PrometheusRule and the dashboard ConfigMap, in namespace devpie', () => {
    expect(
      objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort(),
    ).toEqual([
      'ConfigMap/devpie/devpie-grafana-dashboard',
      'PodMonitor/devpie/devpie-client',
      'PrometheusRule/devpie/devpie-client',
    ]);
  });

  it("the operator's objects hold to its schemas, the ConfigMap to Kubernetes'", () => {
    expect(ofKind('PodMonitor').flatMap((o) => problems(PodMonitor, o))).toEqual([]);
    expect(ofKind('PrometheusRule').flatMap((o) => problems(PrometheusRule, o))).toEqual([]);
    const cms = ofKind('ConfigMap').map((object) => ({ label: objectId(object), object }));
    expect(validateWithSchemas(cms)).toEqual([]);
    expect(typeCheck(repoFile(), cms)).toEqual([]);
  });

  it.each(['prod', 'prod-jetstream', 'dev'])(
    'the PodMonitor selects every role pod of the %s overlay, on ports they declare, at the path the code serves',
    (overlay) => {
      const [monitor] = ofKind('PodMonitor');
      const spec = monitor!.spec as Json;
      const workloads = build(repoFile(`k8s/overlays/${overlay}`))
        .map((b) => b.object)
        .filter((o) => o.kind === 'Deployment');
      const selected = workloads.filter((w) =>
        Object.entries(spec.selector.matchLabels as Record<string, string>).every(
          ([k, v]) => (w.spec as Json).template.metadata.labels[k] === v,
        ),
      );
      const roles = workloads.filter((w) =>
        containers(w).some((c) => String(c.image).includes('devpie-client-backend')),
      );
      expect(selected.map((w) => w.metadata.name).sort()).toEqual(
        roles.map((w) => w.metadata.name).sort(),
      );
      const portsOf = (w: K8sObject) =>
        containers(w).flatMap((c) => (c.ports as Json[] | undefined) ?? []);
      for (const e of spec.podMetricsEndpoints as Json[]) {
        expect({
          port: e.port,
          declared: selected.some((w) => portsOf(w).some((p) => p.name === e.port)),
        }).toEqual({ port: e.port, declared: true });
        expect(e.path).toBe('/metrics');
      }
      // Every role serves /metrics on `http`.
      for (const w of selected) expect(portsOf(w).some((p) => p.name === 'http')).toBe(true);
      expect(read('platform', 'metrics', 'http.ts')).toMatch(/router\.get\('\/metrics'/);
      // The Temporal worker's exporter listens where its port says.
      for (const w of selected.filter((x) =>
        portsOf(x).some((p) => p.name === 'temporal-metrics'),
      )) {
        const port = portsOf(w).find((p) => p.name === 'temporal-metrics')!.containerPort;
        const env = (containers(w)[0]!.env as Json[]).find(
          (x) => x.name === 'TEMPORAL_METRICS_ADDRESS',
        );
        expect({ workload: w.metadata.name, address: env?.value }).toEqual({
          workload: w.metadata.name,
          address: `0.0.0.0:${port}`,
        });
        expect(podSpec(w)).toBeDefined();
      }
    },
  );

  it('the alerts cover what operators must hear of', () => {
    const exprs = rules().map((r) => `${r.alert}: ${r.expr}`);
    for (const watched of [
      'devpie_projector_lag_', // a projector's lag growing
      'devpie_parked_entries', // parked entries above 0
      'devpie_writer_lease_held', // no writer for a category
      'devpie_dispatcher_failures_total',
      'temporal_workflow_task_execution_failed_total',
    ])
      expect({ watched, found: exprs.some((e) => e.includes(watched)) }).toEqual({
        watched,
        found: true,
      });
  });

  it('every alert and dashboard expression reads only metrics the code exports, with PromQL functions', () => {
    const exprs = [
      ...rules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr as string })),
      ...panels().flatMap((p) =>
        (p.targets as Json[]).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr as string })),
      ),
    ];
    expect(exprs.length).toBeGreaterThan(20);
    const bad = exprs.flatMap(({ where, expr }) => {
      const { metrics, unknownFunctions } = metricNames(expr);
      expect(metrics.length).toBeGreaterThan(0);
      return [
        ...metrics.filter((m) => !exported.has(m)).map((m) => `${where}: no metric ${m}`),
        ...unknownFunctions.map((f) => `${where}: no PromQL function ${f}`),
      ];
    });
    expect(bad).toEqual([]);
  });

  it('the name check finds what it should', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(devpie_http_request_duration_seconds_bucket{route=~"/api/.*", x="a{b}"}[$__rate_interval]))) > 1e3 and on (route) up offset 5m',
      ),
    ).toEqual({
      metrics: ['devpie_http_request_duration_seconds_bucket', 'up'],
      unknownFunctions: [],
    });
    expect(metricNames('rte(devpie_x_total[5m])').unknownFunctions).toEqual(['rte']);
  });

  it('the dashboard shows write rate, latency, lag per projector, parked entries, lease holders and workflow rates', () => {
    const d = dashboard();
    expect(d.uid).toBe('devpie-client');
    const ids = panels().map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const shown = panels()
      .flatMap((p) => (p.targets as Json[]).map((t) => t.expr as string))
      .join('\n');
    for (const metric of [
      'devpie_commands_accepted_total',
      'devpie_http_request_duration_seconds_bucket',
      'devpie_write_to_visible_seconds_bucket',
      'devpie_projector_lag_entries',
      'devpie_projector_lag_seconds',
      'devpie_parked_entries',
      'devpie_writer_lease_held',
      'temporal_workflow_completed_total',
    ])
      expect({ metric, shown: shown.includes(metric) }).toEqual({ metric, shown: true });
    // Every panel reads the dashboard's data source variable, so it imports into any Grafana.
    for (const p of panels()) expect(p.datasource.uid).toBe('${datasource}');
  });

  it('docs/operations.md explains every metric family and every alert, under the anchor its runbook names', () => {
    const doc = read('docs', 'operations.md');
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const r of rules()) {
      const anchor = String(r.annotations.runbook).split('#')[1];
      expect({ alert: r.alert, anchor, found: anchors.has(anchor!) }).toEqual({
        alert: r.alert,
        anchor,
        found: true,
      });
    }
    // Node's process metrics are prom-client's defaults, documented as a group.
    const ours = families.filter((n) => !/^devpie_(process|nodejs)_/.test(n));
    expect(ours.length).toBeGreaterThan(15);
    expect(ours.filter((f) => !doc.includes(`\`${f}\``))).toEqual([]);
  });
});
